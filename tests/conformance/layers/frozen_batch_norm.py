# torchvision's FrozenBatchNorm2d (detection backbones, timm's norm layers): batch norm with
# fixed statistics and affine parameters, all four buffers in the state dict. The port's layer
# takes them under torch's names, trains none, and normalises the channels of the port's
# channels-last maps.
import numpy as np
import torch
import torch.nn as nn
from torchvision.ops.misc import FrozenBatchNorm2d


class Stem(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1, bias=False)
        self.bn = FrozenBatchNorm2d(4, eps=1e-3)

    def forward(self, x):
        return torch.relu(self.bn(self.conv(x)))


def build():
    torch.manual_seed(0)
    m = Stem()
    with torch.no_grad():
        m.bn.weight.copy_(torch.tensor([0.5, 1.5, -1.0, 2.0]))
        m.bn.bias.copy_(torch.tensor([0.1, -0.2, 0.3, 0.0]))
        m.bn.running_mean.copy_(torch.tensor([0.2, -0.1, 0.0, 0.4]))
        m.bn.running_var.copy_(torch.tensor([1.5, 0.5, 2.0, 0.25]))
    return m


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 3, 6, 5)), dtype=torch.float32),)
