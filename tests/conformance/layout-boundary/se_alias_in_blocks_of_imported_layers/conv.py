# timm's conv2d_same.py in small: a convolution subclass keeps torch's layout, and the helper
# building either it or nn.Conv2d shares that layout (channels-first convolutions).
import torch.nn as nn
import torch.nn.functional as F


class Conv2dSame(nn.Conv2d):
    """TensorFlow's 'same' padding for an even kernel, padded at run time."""

    def forward(self, x):
        kh, kw = self.weight.shape[-2:]
        x = F.pad(x, [(kw - 1) // 2, kw // 2, (kh - 1) // 2, kh // 2])
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


def create_conv2d(in_chs, out_chs, kernel_size, **kwargs):
    if kernel_size % 2 == 0:
        return Conv2dSame(in_chs, out_chs, kernel_size, **kwargs)
    return nn.Conv2d(in_chs, out_chs, kernel_size, padding=kernel_size // 2, **kwargs)
