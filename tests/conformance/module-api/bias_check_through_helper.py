# vit-pytorch's CCT: an init loop asks `exists(m.bias)` of bias=False Linears, with the file's
# helper `exists(val): return val is not None` (MLX: no bias key to read).
import numpy as np
import torch
import torch.nn as nn


def exists(val):
    return val is not None


def missing(val):
    return val is None


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 3, bias=False)
        self.lin2 = nn.Linear(4, 3)
        self.apply(self.init_weight)

    @staticmethod
    def init_weight(m):
        if isinstance(m, nn.Linear) and exists(m.bias):
            nn.init.constant_(m.bias, 0.5)

    def forward(self, x):
        y = self.lin(x)
        if missing(self.lin.bias):
            y = y - 100.0
        return y, self.lin2(x)


def build():
    torch.manual_seed(0)
    return Net().eval()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 4)), dtype=torch.float32),)
