# A layer whose required arguments come from the enclosing constructor's `**kwargs`
# (torchvision's GoogLeNet and Inception: `BasicConv2d(in, out, **kwargs)` builds
# `nn.Conv2d(in, out, bias=False, **kwargs)`, kernel_size among the kwargs). The call stays as
# written under the MLX class, which takes the same keywords.
import numpy as np
import torch
import torch.nn as nn


class BasicConv2d(nn.Module):
    def __init__(self, in_channels, out_channels, **kwargs):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, bias=False, **kwargs)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x):
        return torch.relu(self.bn(self.conv(x)))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = BasicConv2d(3, 8, kernel_size=3, padding=1)
        self.b = BasicConv2d(8, 4, kernel_size=1, stride=2)
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        return self.head(self.b(self.a(x)).mean((2, 3)))


def build():
    return Net().eval()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 3, 6, 6)), dtype=torch.float32),)
