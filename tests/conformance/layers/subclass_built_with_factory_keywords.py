# A subclass of a torch layer with no __init__ of its own (timm's `Linear(nn.Linear)`), built
# with torch's factory keywords (`Linear(a, b, **dd)`, dd = {'device': ..., 'dtype': ...}):
# MLX's Linear takes none, so the subclass's base takes and drops them.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Linear(nn.Linear):
    def forward(self, x):
        return F.linear(x, self.weight, self.bias) * 2.0


class Net(nn.Module):
    def __init__(self, device=None, dtype=None):
        super().__init__()
        dd = {"device": device, "dtype": dtype}
        self.fc = Linear(4, 3, **dd)

    def forward(self, x):
        return self.fc(x)


def build():
    return Net()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 4)), dtype=torch.float32),)
