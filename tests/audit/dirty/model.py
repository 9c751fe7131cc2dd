"""A port with one of each leftover the audit names (tests/audit.rs lists them by line)."""

import math
import torch
import mlx.core as mx
import mlx.nn as nn
import mlx.nn_typo as nt
from torch.nn import functional as F
from mlx.core import fast, rmsnorm


class Block(nn.Module):
    def __init__(self, dims: int):
        super().__init__()
        self.proj = nn.Linear(dims, dims)
        self.norm = nn.BatchNorm2d(dims)
        self.names = ["a"]

    def __call__(self, x: torch.Tensor):
        y = self.proj(x).float()
        z = mx.fast.rms_norm(y, None, 1e-5)
        w = fast.layer_norm_typo(z)
        B = z.size(0)
        v = z.reshape(B, -1).masked_fill(z > 0, 0.0)
        g = v.grad
        self.names.sort()
        return F.relu(v + g) + torch.zeros(3) * math.pi
