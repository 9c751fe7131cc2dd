# pretrainedmodels' DualPathBlock splits a feature map by channels with an index per axis
# (`x_s[:, :self.num_1x1_c, :, :]`), and crops spatially the same way (`x[:, :, 1:, 1:]`).
# Channels-last, the channel's index moves to the last place.
import numpy as np
import torch
import torch.nn as nn


class Split(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.proj = nn.Conv2d(5, 4, 1)
        self.keep = 5

    def forward(self, x):
        y = self.conv(x)
        head = y[:, :self.keep, :, :]
        tail = y[:, self.keep:, 1:, 1:]
        return self.proj(head)[:, :3, 1:, 1:] + tail.sum(dim=1, keepdim=True)


def build():
    torch.manual_seed(0)
    return Split().eval()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 3, 6, 5)), dtype=torch.float32),)
