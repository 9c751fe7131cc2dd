# pretrainedmodels' DualPathBlock splits a feature map by channels with an index per axis
# (`x_s[:, :self.num_1x1_c, :, :]`), and crops spatially the same way (`x[:, :, 1:, 1:]`).
# Channels-last, the channel's index moves to the last place; the map comes from a block of the
# file (`self.stem(x)`), whose output is a tensor as a layer's is.
import numpy as np
import torch
import torch.nn as nn


class Stem(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)

    def forward(self, x):
        return torch.relu(self.conv(x))


class Split(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = Stem()
        self.proj = nn.Conv2d(5, 4, 1)
        self.keep = 5

    def forward(self, x):
        y = self.stem(x)
        head = y[:, :self.keep, :, :]
        tail = y[:, self.keep:, 1:, 1:]
        return self.proj(head)[:, :3, 1:, 1:] + tail.sum(dim=1, keepdim=True)


def build():
    torch.manual_seed(0)
    return Split().eval()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 3, 6, 5)), dtype=torch.float32),)
