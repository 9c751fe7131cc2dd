# A bias=False Linear whose forward branches on `self.lin.bias is not None` (MLX: no bias key).
import numpy as np
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 3, bias=False)
        self.lin2 = nn.Linear(4, 3)

    def forward(self, x):
        y = self.lin(x)
        if self.lin.bias is not None:
            y = y + 100.0
        z = self.lin2(x)
        if self.lin2.bias is None:
            z = z - 100.0
        return y, z


def build():
    return Net()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 4)), dtype=torch.float32),)
