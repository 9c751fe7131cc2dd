# nn.ParameterList of per-layer scales, indexed and zipped with a ModuleList.
import numpy as np
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, d=4, n=2):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(d, d) for _ in range(n)])
        self.scales = nn.ParameterList([nn.Parameter(torch.ones(d) * (i + 1)) for i in range(n)])

    def forward(self, x):
        for layer, s in zip(self.layers, self.scales):
            x = layer(x) * s
        return x + self.scales[0]


def build():
    return Net()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((3, 4)), dtype=torch.float32),)
