# vit-pytorch's CCT (`self.activation = F.gelu`) and MLP configs (`act=F.silu`): functional
# activations held as values and called with the input alone.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, act=F.silu):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.activation = F.gelu
        self.act = act

    def forward(self, x):
        return self.act(self.fc(self.activation(x)))


def build():
    torch.manual_seed(0)
    return Block().eval()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 4)), dtype=torch.float32),)
