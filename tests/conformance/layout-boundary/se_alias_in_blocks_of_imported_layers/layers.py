# timm's timm/layers in small: ConvNormAct keeps torch's channels-first layout (its convolution
# comes from conv.py's channels-first helper), SEModule owns 1x1 convolutions and is ported
# channels-last, and `SqueezeExcite = SEModule` is an alias of it.
import torch
import torch.nn as nn

from conv import create_conv2d


class ConvNormAct(nn.Module):
    def __init__(self, in_chs, out_chs, kernel_size=3, groups=1, norm_layer=nn.BatchNorm2d):
        super().__init__()
        self.conv = create_conv2d(in_chs, out_chs, kernel_size, groups=groups, bias=False)
        self.bn = norm_layer(out_chs)

    def forward(self, x):
        return torch.relu(self.bn(self.conv(x)))


class SEModule(nn.Module):
    def __init__(self, channels, rd_channels=4, gate=torch.sigmoid):
        super().__init__()
        self.fc1 = nn.Conv2d(channels, rd_channels, 1)
        self.fc2 = nn.Conv2d(rd_channels, channels, 1)
        self.gate = gate

    def forward(self, x):
        x_se = x.mean((2, 3), keepdim=True)
        return x * self.gate(self.fc2(torch.relu(self.fc1(x_se))))


SqueezeExcite = SEModule  # alias
