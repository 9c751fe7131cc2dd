# Subclasses of torch's layers that read torch's attributes: efficientnet-pytorch's and timm's
# Conv2dSame (self.stride as a tuple, self.weight.shape[-2:] as (kH, kW), F.conv2d on
# self.weight), efficientnet's MaxPool2dStaticSamePadding (F.max_pool2d on its own attributes,
# ceil_mode included) and torchvision's ConvNeXt LayerNorm2d (F.layer_norm over
# self.normalized_shape); and F.rms_norm over a shape known at run time. Their bases become portui_shims' rebuilds of torch's layers, with
# torch's attributes and weight layout, and the classes building them keep torch's layout.
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Conv2dSame(nn.Conv2d):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, **kwargs):
        super().__init__(in_channels, out_channels, kernel_size, stride, 0, **kwargs)
        self.stride = self.stride if len(self.stride) == 2 else [self.stride[0]] * 2

    def forward(self, x):
        ih, iw = x.size()[-2:]
        kh, kw = self.weight.size()[-2:]
        sh, sw = self.stride
        oh, ow = math.ceil(ih / sh), math.ceil(iw / sw)
        pad_h = max((oh - 1) * self.stride[0] + (kh - 1) * self.dilation[0] + 1 - ih, 0)
        pad_w = max((ow - 1) * self.stride[1] + (kw - 1) * self.dilation[1] + 1 - iw, 0)
        if pad_h > 0 or pad_w > 0:
            x = F.pad(x, [pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2])
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class MaxPool2dSame(nn.MaxPool2d):
    def __init__(self, kernel_size, stride=None, ceil_mode=False):
        super().__init__(kernel_size, stride, 0, 1, False, ceil_mode)

    def forward(self, x):
        x = F.pad(x, [0, 1, 0, 1])
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode)


class LayerNorm2d(nn.LayerNorm):
    def forward(self, x):
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        x = x.permute(0, 3, 1, 2)
        return x


class Stem(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = Conv2dSame(3, 8, 3, stride=2, bias=False)
        self.norm = LayerNorm2d(8, eps=1e-6)
        self.pool = MaxPool2dSame(2, 2, ceil_mode=True)
        self.proj = nn.Conv2d(8, 4, 1)

    def forward(self, x):
        x = self.pool(torch.relu(self.norm(self.conv(x))))
        return F.rms_norm(self.proj(x), x.shape[-2:], eps=1e-6)


def build():
    torch.manual_seed(0)
    model = Stem().eval()
    with torch.no_grad():
        model.norm.weight.uniform_(0.5, 1.5)
        model.norm.bias.uniform_(-0.5, 0.5)
    return model


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 3, 11, 9)), dtype=torch.float32),)
