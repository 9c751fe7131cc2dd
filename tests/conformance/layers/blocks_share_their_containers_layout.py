# SqueezeNet: a container whose convolutions sit in nn.Sequential keeps torch's channels-first
# maps, and a Fire block with convolutions of its own, built inside it, must take the same
# layout (its torch.cat over channels stays on axis 1).
import numpy as np
import torch
import torch.nn as nn


class Fire(nn.Module):
    def __init__(self, cin, squeeze, expand):
        super().__init__()
        self.squeeze = nn.Conv2d(cin, squeeze, 1)
        self.expand1x1 = nn.Conv2d(squeeze, expand, 1)
        self.expand3x3 = nn.Conv2d(squeeze, expand, 3, padding=1)

    def forward(self, x):
        x = torch.relu(self.squeeze(x))
        return torch.cat([self.expand1x1(x), self.expand3x3(x)], 1)


class SqueezeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2), nn.ReLU(), Fire(8, 4, 6), nn.MaxPool2d(2))

    def forward(self, x):
        return torch.flatten(self.features(x), 1)


def build():
    torch.manual_seed(0)
    return SqueezeNet().eval()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 3, 12, 12)), dtype=torch.float32),)
