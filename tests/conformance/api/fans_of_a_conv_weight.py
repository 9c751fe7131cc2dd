# timm's lecun_normal_ and variance_scaling_ read a weight's fans with torch's private
# `_calculate_fan_in_and_fan_out`: on a ported conv weight (MLX's layout (O, *k, I)) the fans
# must be torch's, read off (O, I, *k).
import numpy as np
import torch
import torch.nn as nn
from torch.nn.init import _calculate_fan_in_and_fan_out


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, (2, 3))
        self.lin = nn.Linear(4, 2)
        conv_in, conv_out = _calculate_fan_in_and_fan_out(self.conv.weight)
        lin_in, lin_out = _calculate_fan_in_and_fan_out(self.lin.weight)
        self.scale = (conv_in * 1000 + conv_out) * 1000 + lin_in * 10 + lin_out

    def forward(self, x):
        return self.conv(x) * 0 + self.scale


def build():
    return Net()


def inputs():
    return (torch.tensor(np.random.default_rng(0).standard_normal((1, 3, 5, 5)), dtype=torch.float32),)
