# ShuffleNetV2: a model with a convolution of its own would be channels-last, but the blocks it
# builds (passed as a class value, `block=Unit`) keep their convolutions in nn.Sequential and so
# torch's channels-first maps: the model takes their layout.
import numpy as np
import torch
import torch.nn as nn


class Unit(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.branch = nn.Sequential(nn.Conv2d(channels, channels, 3, padding=1), nn.BatchNorm2d(channels), nn.ReLU())

    def forward(self, x):
        return x + self.branch(x)


class Net(nn.Module):
    def __init__(self, block=Unit):
        super().__init__()
        self.stem = nn.Conv2d(3, 6, 3, stride=2)
        self.pool = nn.MaxPool2d(2)
        self.stage = nn.Sequential(block(6), block(6))

    def forward(self, x):
        x = self.pool(self.stem(x))
        return self.stage(x).mean([2, 3])


def build():
    torch.manual_seed(0)
    return Net().eval()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 3, 14, 14)), dtype=torch.float32),)
