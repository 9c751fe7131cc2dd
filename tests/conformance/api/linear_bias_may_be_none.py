# A bias that may be None: timm's `Linear(nn.Linear)` passes `self.bias` to F.linear, and is
# built with bias=False too (torch then keeps `self.bias = None`); a function takes an optional
# bias. `+ bias` would raise on None, and MLX's layer built without a bias has no `bias`.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Linear(nn.Linear):
    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return F.linear(input, self.weight, self.bias)


def project(x, weight, bias=None):
    return F.linear(x, weight, bias)


def pair(x, weight, bias=None):
    return F.bilinear(x, x, weight, bias)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.plain = Linear(4, 6, bias=False)
        self.biased = Linear(6, 3)
        self.pair = nn.Parameter(torch.randn(2, 3, 3))
        self.pair_bias = nn.Parameter(torch.randn(2))

    def forward(self, x):
        features = self.plain(x)
        h = self.biased(features)
        no_bias = project(features, self.biased.weight)
        with_bias = project(features, self.biased.weight, self.biased.bias)
        return h, no_bias, with_bias, pair(h, self.pair), pair(h, self.pair, self.pair_bias)


def build():
    return Net().eval()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 5, 4)), dtype=torch.float32),)
