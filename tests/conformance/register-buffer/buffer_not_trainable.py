# A model whose forward output includes how many parameter arrays would be trained: the
# persistent buffer must be frozen and the non-persistent one out of the tree in MLX.
import numpy as np
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)
        self.register_buffer("mean", torch.zeros(3))
        self.register_buffer("scale", torch.ones(3) * 2, persistent=False)

    def forward(self, x):
        return self.fc((x - self.mean) * self.scale)


def build():
    m = Net()
    with torch.no_grad():
        m.mean.copy_(torch.tensor([0.5, -1.0, 2.0]))
    return m


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((4, 3)), dtype=torch.float32),)
