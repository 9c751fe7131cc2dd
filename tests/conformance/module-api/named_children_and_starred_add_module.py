# timm walks a model by its direct children (`for name, child in module.named_children()`,
# recursing into each) and adds stages as (name, module) pairs (`self.add_module(*stage)`).
# MLX modules have no named_children, and their children() is a dict of names; a ported
# ModuleList (a list) is a child with its own children, as torch's is.
import numpy as np
import torch
import torch.nn as nn


class Stages(nn.Module):
    def __init__(self):
        super().__init__()
        stages = [("layer%d" % (i + 1), nn.Linear(3, 3)) for i in range(2)]
        for stage in stages:
            self.add_module(*stage)

    def forward(self, x):
        for name, child in self.named_children():
            x = torch.tanh(child(x))
        return x


def count_linears(module):
    n = 0
    for _, child in module.named_children():
        n += isinstance(child, nn.Linear) + count_linears(child)
    return n


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stages = Stages()
        self.blocks = nn.ModuleList([nn.Linear(3, 3), nn.Linear(3, 3)])
        self.head = nn.Linear(3, 1)
        self.linears = count_linears(self)
        self.n_children = len(list(self.children()))

    def forward(self, x):
        x = self.stages(x)
        for block in self.blocks:
            x = block(x)
        return self.head(x) * self.linears + self.n_children


def build():
    return Net()


def inputs():
    return (torch.tensor(np.random.default_rng(0).standard_normal((4, 3)), dtype=torch.float32),)
