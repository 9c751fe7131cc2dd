# Layer sizes torch keeps as attributes and MLX's layers do not: torchvision's init loop
# (`fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels` under an isinstance test),
# the sizes of a Linear, an Embedding, a LayerNorm and a GroupNorm held as layer attributes,
# and timm's feature_info reading the channels of a submodule built by a helper portui cannot
# follow (through portui_shims.layer_attribute).
import math

import numpy as np
import torch
import torch.nn as nn


def make_conv(cin, cout):
    convs = {"plain": nn.Conv2d}
    return convs["plain"](cin, cout, 3, padding=1, groups=2)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = make_conv(4, 6)
        self.head = nn.Linear(6, 3)
        self.table = nn.Embedding(10, 5)
        self.norm = nn.LayerNorm(6)
        self.groups = nn.GroupNorm(2, 6)
        self.sizes = [self.conv.out_channels, self.conv.in_channels, self.conv.kernel_size[0],
                      self.head.in_features, self.head.out_features,
                      self.table.num_embeddings, self.table.embedding_dim,
                      self.norm.normalized_shape[0], self.groups.num_channels]
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels // m.groups
                nn.init.normal_(m.weight, 0.0, math.sqrt(2.0 / fan_out))
            elif isinstance(m, nn.Linear):
                bound = 1.0 / math.sqrt(m.in_features) + m.out_features * 0.0
                nn.init.constant_(m.weight, bound)

    def forward(self, x):
        y = self.conv(x).mean((2, 3))
        return self.head(y) + sum(self.sizes)


def build():
    return Net()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 4, 5, 5)), dtype=torch.float32),)
