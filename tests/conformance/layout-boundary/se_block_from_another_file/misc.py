# torchvision's ops/misc.py in small: a squeeze-excitation block with its own 1x1 convolutions,
# ported channels-last, built only by other files.
import torch
import torch.nn as nn


class SqueezeExcitation(nn.Module):
    def __init__(self, channels, squeeze, scale_activation=nn.Sigmoid):
        super().__init__()
        self.fc1 = nn.Conv2d(channels, squeeze, 1)
        self.fc2 = nn.Conv2d(squeeze, channels, 1)
        self.scale_activation = scale_activation()

    def forward(self, x):
        scale = x.mean((2, 3), keepdim=True)
        return x * self.scale_activation(self.fc2(torch.relu(self.fc1(scale))))
