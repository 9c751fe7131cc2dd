# timm's create_conv2d_pad passes its caller's keywords on (`nn.Conv2d(..., **kwargs)`), a
# depthwise conv's groups= among them: they reach MLX's layer under their torch names, with
# device= removed; before, everything in the `**` argument was dropped but a dtype.
import numpy as np
import torch
import torch.nn as nn


def create_conv(in_chs, out_chs, kernel_size, **kwargs):
    kwargs.setdefault("bias", False)
    return nn.Conv2d(in_chs, out_chs, kernel_size, padding=kernel_size // 2, **kwargs)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.dw = create_conv(4, 4, 3, groups=4, device="cpu")
        self.pw = create_conv(4, 2, 1, bias=True)

    def forward(self, x):
        return self.pw(self.dw(x))


def build():
    return Net()


def inputs():
    return (torch.tensor(np.random.default_rng(0).standard_normal((2, 4, 5, 5)), dtype=torch.float32),)
