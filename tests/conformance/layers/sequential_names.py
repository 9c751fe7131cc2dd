# nn.Sequential keeps children under `layers` in MLX: parameter names change (weight map).
# A Sequential of one module (torchvision's `_make_layer` with one block) holds that module as
# child `0`, not its children.
import numpy as np
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)

    def forward(self, x):
        return x + self.fc(x)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3), nn.Tanh())
        self.head = nn.Linear(3, 2)
        self.single = nn.Sequential(*[Block()])

    def forward(self, x):
        return self.single(self.head(self.mlp(x)))


def build():
    return Net()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((5, 4)), dtype=torch.float32),)
