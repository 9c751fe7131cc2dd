# In-place updates of a local inside forward, including clamp_ with keyword bounds only.
import numpy as np
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)

    def forward(self, x):
        h = self.fc(x)
        h.mul_(2.0)
        h.add_(1.0)
        h.clamp_(min=-1.0, max=1.5)
        return h


def build():
    return Net()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((4, 3)), dtype=torch.float32),)
