# A global average pool of a feature map kept in a list (DEIMv2's encoder:
# `feats[-1] + F.adaptive_avg_pool2d(feats[-1], 1)`): the channels-last rule's mean over H and
# W ports it, and the API table's channels-first pooling shim does not also claim it.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

TOLERANCE = 1e-5


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.ModuleList([nn.Conv2d(3, 4, 1), nn.Conv2d(3, 4, 3, padding=1)])
        self.fuse = nn.Conv2d(4, 2, 1)

    def forward(self, x):
        feats = [proj(x) for proj in self.proj]
        feats[-1] = self.fuse(feats[-1] + F.adaptive_avg_pool2d(feats[-1], 1))
        return (feats[-1] ** 2).mean() + feats[-1].mean()  # the same whatever the layout


def build():
    return Net()


def inputs():
    return (torch.tensor(np.random.default_rng(0).standard_normal((2, 3, 5, 4)), dtype=torch.float32),)
