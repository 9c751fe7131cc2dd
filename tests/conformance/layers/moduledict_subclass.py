# A class derived from nn.ModuleDict (torchvision's IntermediateLayerGetter): its children
# keep torch's names, and `self.items()` runs them in the order they were given.
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn


class Getter(nn.ModuleDict):
    def __init__(self, layers):
        super().__init__(layers)

    def forward(self, x):
        out = OrderedDict()
        for name, module in self.items():
            x = module(x)
            out[name] = x
        return out["second"], len(self)


def build():
    return Getter(OrderedDict([("first", nn.Linear(4, 5)), ("act", nn.Tanh()), ("second", nn.Linear(5, 2))]))


def inputs():
    return (torch.tensor(np.random.default_rng(0).standard_normal((3, 4)), dtype=torch.float32),)
