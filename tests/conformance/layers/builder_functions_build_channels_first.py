# torchvision's VGG and vit-pytorch's MobileViT: functions of the file build the convolutions into
# nn.Sequential containers (one passing the pooling class as a value), and the model uses what
# they return on torch's channels-first maps; the layers they build must take that layout.
import numpy as np
import torch
import torch.nn as nn


def conv_bn(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


def make_layers(cfg, pool=nn.MaxPool2d):
    layers, channels = [], 3
    for v in cfg:
        if v == "M":
            layers.append(pool(2))
        else:
            layers.append(conv_bn(channels, v))
            channels = v
    return nn.Sequential(*layers)


class VGG(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = make_layers([4, "M", 6])
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(6, 3)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.features(x)), 1))


def build():
    torch.manual_seed(0)
    return VGG().eval()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 3, 8, 8)), dtype=torch.float32),)
