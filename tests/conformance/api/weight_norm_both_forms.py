# pytorch-tcn's temporal blocks (`self.conv1 = weight_norm(self.conv1)`, imported from
# torch.nn.utils.parametrizations, or from torch.nn.utils on older torch): the weight is
# recomputed from g and v at each call, and the checkpoint holds g and v under each form's
# names. Conv weights move to MLX's layout; g keeps torch's `dim`, counted in torch's layout.
import numpy as np
import torch
import torch.nn as nn
from torch.nn.utils import weight_norm as legacy_weight_norm
from torch.nn.utils.parametrizations import weight_norm


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = weight_norm(nn.Conv1d(4, 6, 3, padding=1))
        self.conv2 = legacy_weight_norm(nn.Conv1d(6, 6, 3, padding=1), dim=1)
        self.up = weight_norm(nn.ConvTranspose1d(6, 5, 2, stride=2))
        self.head = weight_norm(nn.Linear(5, 3), dim=None)

    def forward(self, x):
        x = torch.relu(self.conv1(x))
        x = torch.relu(self.conv2(x))
        x = self.up(x)
        return self.head(x.transpose(1, 2))


def build():
    torch.manual_seed(0)
    return Block()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 4, 8)), dtype=torch.float32),)

