# A block built from a layer class of another file of the package (pytorch-tcn's
# TemporalBlock building conv.py's TemporalConv1d), beside a plain nn.Conv1d. The imported
# class keeps torch's channels-first layout, so the block must pass it channels-first maps:
# its own convolution is built channels-first too.
import numpy as np
import torch
import torch.nn as nn

from causal import CausalConv1d


class Block(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = CausalConv1d(channels, channels, 3, dilation=2)
        self.skip = nn.Conv1d(channels, channels, 1)

    def forward(self, x):
        return torch.tanh(self.conv(x)) + self.skip(x)


def build():
    torch.manual_seed(0)
    return Block(4).eval()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 4, 12)), dtype=torch.float32),)
