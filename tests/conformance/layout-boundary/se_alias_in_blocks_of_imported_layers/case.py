# Blocks with no layers of their own but another file's: timm's ReXNet and GhostNet build
# ConvNormAct from timm.layers, which keeps torch's channels-first layout, so their maps are
# channels-first though this file has no feature maps of its own. They build the SE block
# through names the file's layout agreement cannot follow: GhostNet's private alias
# `_SE_LAYER = partial(SqueezeExcite, ...)` of an alias (`SqueezeExcite = SEModule`), and
# RepViT's direct call of the alias. Each is wrapped in portui_shims.channels_first_layer
# (a partial stays a partial, of the wrapped class).
from functools import partial

import numpy as np
import torch
import torch.nn as nn

from layers import ConvNormAct, SqueezeExcite

_SE_LAYER = partial(SqueezeExcite, rd_channels=2)


class Bottleneck(nn.Module):
    def __init__(self, chs):
        super().__init__()
        self.conv_dw = ConvNormAct(chs, chs, 3, groups=chs)
        self.se = _SE_LAYER(chs)
        self.conv_pw = ConvNormAct(chs, chs, 1)

    def forward(self, x):
        return x + self.conv_pw(self.se(self.conv_dw(x)))


class RepBlock(nn.Module):
    def __init__(self, chs):
        super().__init__()
        self.mix = ConvNormAct(chs, chs * 2, 1)
        self.se = SqueezeExcite(chs * 2, 3)

    def forward(self, x):
        return self.se(self.mix(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = ConvNormAct(3, 6, 3)
        self.block = Bottleneck(6)
        self.rep = RepBlock(6)

    def forward(self, x):
        return self.rep(self.block(self.stem(x))).mean((2, 3))


def build():
    return Net().eval()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 3, 5, 7)), dtype=torch.float32),)
