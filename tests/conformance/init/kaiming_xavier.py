# kaiming_normal_/xavier_uniform_ in __init__ (gain differences can't be compared numerically:
# build() overwrites them; the ported __init__ must run).
import numpy as np
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(4, 6)
        self.b = nn.Linear(6, 2)
        nn.init.kaiming_normal_(self.a.weight, nonlinearity="relu")
        nn.init.xavier_uniform_(self.b.weight)
        nn.init.uniform_(self.b.bias, -0.1, 0.1)

    def forward(self, x):
        return self.b(torch.tanh(self.a(x)))


def build():
    return Net()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((3, 4)), dtype=torch.float32),)
