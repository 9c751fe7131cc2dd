# ResNeSt's split attention reads `batch, rchannel = x.shape[:2]` of its feature map: the batch
# and channel sizes, which channels-last are axes 0 and 3; `x.shape[2:]` (the spatial sizes)
# stays one slice. The attention, shaped `(batch, -1, 1, 1)` to broadcast over the channels,
# is `(batch, 1, 1, -1)` channels-last.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class RadixSoftmax(nn.Module):
    def __init__(self, radix):
        super().__init__()
        self.radix = radix

    def forward(self, x):
        batch = x.size(0)
        return F.softmax(x.view(batch, self.radix, -1), dim=1).reshape(batch, -1)


class SplitAttention(nn.Module):
    def __init__(self, channels, radix):
        super().__init__()
        self.radix = radix
        self.conv = nn.Conv2d(channels, channels * radix, 3, padding=1)
        self.fc = nn.Conv2d(channels, channels * radix, 1)
        self.rsoftmax = RadixSoftmax(radix)
        self.proj = nn.Conv2d(channels, channels, 1)

    def forward(self, x):
        x = self.conv(x)
        batch, rchannel = x.shape[:2]
        height, width = x.shape[2:]
        splits = torch.split(x, rchannel // self.radix, dim=1)
        gap = F.adaptive_avg_pool2d(sum(splits), 1)
        atten = self.rsoftmax(self.fc(gap)).view(batch, -1, 1, 1)
        attens = torch.split(atten, rchannel // self.radix, dim=1)
        out = sum(a * s for a, s in zip(attens, splits))
        return self.proj(out * (height * width))


def build():
    return SplitAttention(4, 2).eval()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 4, 5, 6)), dtype=torch.float32),)
