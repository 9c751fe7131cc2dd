# simple-vit's positional embedding: a plain tensor attribute built in __init__ (by a helper of
# the file, or by torch directly) is neither saved nor trained in torch; in MLX it must stay out
# of the parameter tree for the count, and a strict load of torch's state dict, to agree.
import numpy as np
import torch
import torch.nn as nn


def sincos(n, dim):
    position = torch.arange(n).unsqueeze(1).float()
    omega = 1.0 / (10000 ** (torch.arange(dim // 2).float() / (dim // 2)))
    angles = position * omega.unsqueeze(0)
    return torch.cat((angles.sin(), angles.cos()), dim=1)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.pos = sincos(3, 4)
        self.scale = torch.ones(4) * 2

    def forward(self, x):
        return self.fc(x + self.pos) * self.scale


def compute():
    torch.manual_seed(0)
    m = Net()
    n_params = sum(p.numel() for p in m.parameters())
    x = torch.tensor(np.random.default_rng(0).standard_normal((2, 3, 4)), dtype=torch.float32)
    with torch.no_grad():
        return n_params, m(x).sum().item() - (m.fc(x + m.pos) * m.scale).sum().item()
