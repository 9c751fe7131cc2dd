# 0-d tensor constants inside a module's forward (scale, residual mix) on float32 activations.
import math

import numpy as np
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        h = self.fc(x) * torch.tensor(1.0 / math.sqrt(4))
        return torch.tensor(0.5) * h + x / torch.tensor(2.0)


def build():
    return Net()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((3, 4)), dtype=torch.float32),)
