# pytorch-tcn's TemporalConv1d (`class TemporalConv1d(nn.Conv1d)`): a subclass of a torch
# layer pads, then calls the layer through `super().forward(x)`. `super()` is not callable, so
# the port calls `super().__call__(x)`.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class CausalConv1d(nn.Conv1d):
    def __init__(self, channels):
        super().__init__(channels, channels, 3)

    def forward(self, x):
        x = F.pad(x, (2, 0))
        return super().forward(x)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = CausalConv1d(4)

    def forward(self, x):
        return torch.tanh(self.conv(x))


def build():
    torch.manual_seed(0)
    return Net().eval()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 4, 10)), dtype=torch.float32),)
