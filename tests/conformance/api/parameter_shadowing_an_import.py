# x-transformers imports `from torch import tensor` and also names a parameter `tensor`
# (`def max_neg_value(tensor): return -torch.finfo(tensor.dtype).max`): inside that function
# the name is the parameter, so the port needs no torch there (the import used to move in).
import numpy as np
import torch
import torch.nn as nn
from torch import tensor


def max_neg_value(tensor):
    return -torch.finfo(tensor.dtype).max


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 3)

    def forward(self, x):
        floor = tensor(max_neg_value(x) / 1e38)
        scale = (lambda tensor: tensor * 2)(0.5)
        return torch.maximum(self.lin(x) * scale, floor)


def build():
    return Net()


def inputs():
    return (torch.tensor(np.random.default_rng(0).standard_normal((4, 3)) * 3, dtype=torch.float32),)
