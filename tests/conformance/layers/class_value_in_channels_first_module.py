# torchvision's ConvNormActivation: a Sequential subclass builds its layers from classes passed as
# values (`conv_layer=nn.Conv2d`, `norm_layer = nn.BatchNorm2d`). Its feature maps keep torch's
# channels-first layout (no layer of its own says otherwise), so the classes must build layers
# that take channels-first arrays, as its constructor calls do.
import numpy as np
import torch
import torch.nn as nn


class ConvNorm(nn.Sequential):
    def __init__(self, cin, cout, norm_layer=None, conv_layer=nn.Conv2d):
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        super().__init__(conv_layer(cin, cout, 3, padding=1, bias=False), norm_layer(cout), nn.ReLU())


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(ConvNorm(3, 4), ConvNorm(4, 6), nn.Conv2d(6, 5, 1))

    def forward(self, x):
        return self.features(x).mean((2, 3))


def build():
    torch.manual_seed(0)
    return Net().eval()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 3, 8, 8)), dtype=torch.float32),)
