# timm's Swin registers an empty non-persistent buffer and fills it later in place
# (`self.relative_position_index.copy_(...)`): the port keeps the buffer out of the parameter
# tree, and so must the assignment that fills it, or the tree gains an array the checkpoint
# lacks while the attribute keeps its old value.
import numpy as np
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4)
        self.register_buffer("index", torch.empty(4, dtype=torch.long), persistent=False)
        self.init_buffers()

    def init_buffers(self):
        self.index.copy_(torch.arange(3, -1, -1))

    def forward(self, x):
        return self.lin(x)[:, self.index]


def build():
    return Net()


def inputs():
    return (torch.tensor(np.random.default_rng(0).standard_normal((2, 4)), dtype=torch.float32),)
