# pytorch-msssim's SSIM: a plain tensor attribute built from a helper annotated `-> Tensor`
# and then tiled (`gauss(11).repeat(...)`): the annotation makes the value a known tensor, so
# it is kept out of the parameter tree, as torch neither saves nor trains it.
import numpy as np
import torch
import torch.nn as nn
from torch import Tensor


def gauss(size: int, sigma: float) -> Tensor:
    coords = torch.arange(size, dtype=torch.float)
    coords -= size // 2
    g = torch.exp(-(coords**2) / (2 * sigma**2))
    return (g / g.sum()).unsqueeze(0)


class Blur(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.fc = nn.Linear(5, 5)
        self.win = gauss(5, 1.5).repeat([channels, 1])

    def forward(self, x):
        return self.fc(x * self.win)


def compute():
    torch.manual_seed(0)
    m = Blur(3)
    n_params = sum(p.numel() for p in m.parameters())
    x = torch.tensor(np.random.default_rng(0).standard_normal((2, 3, 5)), dtype=torch.float32)
    with torch.no_grad():
        return n_params, m(x).sum().item() - m.fc(x * m.win).sum().item()
