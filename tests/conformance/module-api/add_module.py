# Children added by name (torchvision's densenet: `self.add_module("denselayer%d" % i, layer)`,
# in a ModuleDict subclass, and in a Module): they keep torch's names and are run in order.
import numpy as np
import torch
import torch.nn as nn


class Block(nn.ModuleDict):
    def __init__(self, n):
        super().__init__()
        for i in range(n):
            self.add_module("layer%d" % (i + 1), nn.Linear(3, 3))

    def forward(self, x):
        for name, layer in self.items():
            x = torch.tanh(layer(x))
        return x


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_module("block", Block(2))
        self.add_module("head", nn.Linear(3, 1))

    def forward(self, x):
        return self.head(self.block(x))


def build():
    return Net()


def inputs():
    return (torch.tensor(np.random.default_rng(0).standard_normal((4, 3)), dtype=torch.float32),)
