# `.data`, torch's view of a tensor without its autograd history (timm's convnext scales its
# head with `module.weight.data.mul_(head_init_scale)`): MLX arrays have no `.data`, the
# array itself is what it names, read, assigned or changed in place.
import numpy as np
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 4)
        self.head = nn.Linear(4, 2)
        self.head.weight.data.mul_(0.5)
        self.head.bias.data = torch.zeros(2)

    def forward(self, x):
        w = self.lin.weight.data
        return self.head(x @ w.T) + self.lin.bias.data.sum()


def build():
    return Net()


def inputs():
    return (torch.tensor(np.random.default_rng(0).standard_normal((4, 3)), dtype=torch.float32),)
