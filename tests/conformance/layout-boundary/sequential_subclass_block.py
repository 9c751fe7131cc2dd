# timm's TinyViT: `ConvNorm(nn.Sequential)` owns a convolution and a norm, so it is ported
# channels-last, and has no forward of its own: it is called with one array, as Sequential
# is. The blocks building it keep torch's layout (they reshape tokens to (B, C, H, W)
# themselves), so there it is wrapped in portui_shims.channels_first_layer.
import numpy as np
import torch
import torch.nn as nn


class ConvNorm(nn.Sequential):
    def __init__(self, in_chs, out_chs, ks=1, stride=1, pad=0, groups=1):
        super().__init__()
        self.conv = nn.Conv2d(in_chs, out_chs, ks, stride, pad, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(out_chs)


class TokenMixer(nn.Module):
    def __init__(self, dim, size):
        super().__init__()
        self.size = size
        self.local_conv = ConvNorm(dim, dim, ks=3, pad=1, groups=dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, L, C = x.shape
        x = x.transpose(1, 2).reshape(B, C, self.size, self.size)
        x = self.local_conv(x)
        x = x.view(B, C, L).transpose(1, 2)
        return self.proj(x)


def build():
    return TokenMixer(6, 3).eval()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 9, 6)), dtype=torch.float32),)
