# nanoGPT's LayerNorm with optional bias calling F.layer_norm in forward.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

TOLERANCE = 1e-4


class LayerNorm(nn.Module):
    def __init__(self, ndim, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(ndim))
        self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None

    def forward(self, input):
        return F.layer_norm(input, self.weight.shape, self.weight, self.bias, 1e-5)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = LayerNorm(6, bias=True)
        self.b = LayerNorm(6, bias=False)

    def forward(self, x):
        return self.b(self.a(x))


def build():
    m = Net()
    with torch.no_grad():
        m.a.weight.copy_(torch.tensor(np.random.default_rng(1).standard_normal(6), dtype=torch.float32))
        m.a.bias.fill_(0.3)
    return m


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 4, 6)), dtype=torch.float32),)
