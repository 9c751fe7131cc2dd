# torch 2.5's nn.Buffer, assigned as an attribute (transformers' xIELU activation, rotary
# caches): persistent by default, so in the state dict and never trained; persistent=False
# keeps it out of the state dict. torch's state dict loads into the port only when the port
# keeps the first in MLX's parameter tree (frozen) and the second out of it.
import numpy as np
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, d=6):
        super().__init__()
        self.fc = nn.Linear(d, d)
        self.beta = nn.Buffer(torch.tensor(0.5))
        self.inv_freq = nn.Buffer(1.0 / (10000 ** (torch.arange(0, d, 2).float() / d)), persistent=False)
        self.scale = nn.Buffer(torch.ones(d) * 2, persistent=True)

    def forward(self, x):
        t = torch.arange(x.shape[1]).float()
        freqs = torch.outer(t, self.inv_freq)
        rope = torch.cat([freqs.cos(), freqs.sin()], dim=-1)
        return self.fc(x * self.scale) * self.beta + rope


def build():
    return Net()


def inputs():
    return (torch.from_numpy(np.linspace(-1, 1, 24, dtype=np.float32).reshape(1, 4, 6)),)
