# timm's PiT: a pooling block convolves the feature map and projects the class token beside
# it (`forward(x, cls_token)`, returning both). Built where maps keep torch's layout, it is
# wrapped like a one-input block: the map's channels move last on entry and back on exit,
# and the class token passes untouched.
from typing import Tuple

import numpy as np
import torch
import torch.nn as nn


class Pooling(nn.Module):
    def __init__(self, dim_in, dim_out):
        super().__init__()
        self.conv = nn.Conv2d(dim_in, dim_out, kernel_size=3, padding=1, stride=2, groups=dim_in)
        self.fc = nn.Linear(dim_in, dim_out)

    def forward(self, x, cls_token) -> Tuple[torch.Tensor, torch.Tensor]:
        x = self.conv(x)
        cls_token = self.fc(cls_token)
        return x, cls_token


class Stage(nn.Module):
    def __init__(self, dim, pool=None):
        super().__init__()
        self.pool = pool
        self.norm = nn.LayerNorm(dim)

    def forward(self, x: Tuple[torch.Tensor, torch.Tensor]) -> Tuple[torch.Tensor, torch.Tensor]:
        x, cls_tokens = x
        if self.pool is not None:
            x, cls_tokens = self.pool(x, cls_tokens)
        B, C, H, W = x.shape
        tokens = self.norm(torch.cat((cls_tokens, x.flatten(2).transpose(1, 2)), dim=1))
        return tokens[:, 1:].transpose(1, 2).reshape(B, C, H, W), tokens[:, :1]


class SequentialTuple(nn.Sequential):
    def forward(self, x: Tuple[torch.Tensor, torch.Tensor]) -> Tuple[torch.Tensor, torch.Tensor]:
        for module in self:
            x = module(x)
        return x


class Net(nn.Module):
    def __init__(self, dims=(4, 8)):
        super().__init__()
        stages = []
        for i, dim in enumerate(dims):
            pool = Pooling(dims[i - 1], dim) if i > 0 else None
            stages += [Stage(dim, pool=pool)]
        self.stages = SequentialTuple(*stages)
        self.cls_token = nn.Parameter(torch.randn(1, 1, dims[0]))

    def forward(self, x):
        x, cls_tokens = self.stages((x, self.cls_token.expand(x.shape[0], -1, -1)))
        return cls_tokens[:, 0] + x.mean(dim=(2, 3))


def build():
    return Net().eval()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 4, 6, 6)), dtype=torch.float32),)
