# nn.Flatten after convolutions: the map it flattens is NHWC once ported, so portui's Flatten
# moves the channels back to axis 1 first and the Linear sees torch's feature order.
import numpy as np
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, stride=2)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(4 * 2 * 2, 3)

    def forward(self, x):
        return self.fc(self.flatten(torch.tanh(self.conv(x))))


def build():
    return Net()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((4, 3, 5, 5)), dtype=torch.float32),)
