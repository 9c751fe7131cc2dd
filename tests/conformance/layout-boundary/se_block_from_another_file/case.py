# A block keeping torch's channels-first layout (its convolutions sit in a Sequential) builds a
# squeeze-excitation block of another file through a `partial` default argument, as
# torchvision's MobileNetV3 builds `partial(SElayer, scale_activation=nn.Hardsigmoid)` from
# ops/misc.py. That file ports the SE block channels-last, so here it is wrapped in
# portui_shims.channels_first_layer, which moves the channels last on entry and back on exit.
from functools import partial

import numpy as np
import torch
import torch.nn as nn

from misc import SqueezeExcitation as SElayer


class InvertedResidual(nn.Module):
    def __init__(self, channels, se_layer=partial(SElayer, scale_activation=nn.Hardsigmoid)):
        super().__init__()
        layers = [nn.Conv2d(channels, channels, 3, padding=1, groups=channels), nn.BatchNorm2d(channels)]
        layers.append(se_layer(channels, channels // 2))
        layers.append(nn.Conv2d(channels, channels * 2, 1))
        self.block = nn.Sequential(*layers)

    def forward(self, x):
        return self.block(x)


def build():
    return InvertedResidual(6).eval()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 6, 5, 7)), dtype=torch.float32),)
