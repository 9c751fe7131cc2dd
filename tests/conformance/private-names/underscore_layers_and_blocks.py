# efficientnet-pytorch names its layers with a leading underscore (`self._bn0`, `self._blocks
# = nn.ModuleList(...)`, `self._fc`). MLX leaves such attributes out of a module's
# parameters, so without the mark torch's checkpoint would not load (and they would not
# train); the buffer registered as `_scale` stays one too.
import numpy as np
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, width):
        super().__init__()
        self._expand = nn.Linear(width, 2 * width)
        self._bn0 = nn.BatchNorm1d(2 * width)
        self._project = nn.Linear(2 * width, width)
        self.register_buffer("_scale", torch.linspace(0.5, 1.5, width))

    def forward(self, x):
        return x + self._scale * self._project(torch.relu(self._bn0(self._expand(x))))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self._blocks = nn.ModuleList([Block(4) for _ in range(2)])
        self._fc = nn.Linear(4, 3)

    def forward(self, x):
        for block in self._blocks:
            x = block(x)
        return self._fc(x)


def build():
    torch.manual_seed(0)
    model = Net()
    model.train()
    model(torch.randn(8, 4))  # running statistics of their own
    return model.eval()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((5, 4)), dtype=torch.float32),)
