# A buffer also assigned from a method returning `torch.cat(...)` (timm's RotaryEmbeddingCat):
# the attribute holds an array, not a layer, so `self.pos_embed.copy_(...)` is ported. It was
# taken for a layer built by a helper, its methods were skipped, and the port failed at run
# time with "'array' object has no attribute 'copy_'".
import numpy as np
import torch
import torch.nn as nn


class Rope(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.register_buffer("pos_embed", torch.zeros(n, 4), persistent=False)
        self._init_cached()

    def _build(self, n):
        t = torch.arange(n).float()[:, None] * torch.tensor([0.5, 2.0])[None, :]
        return torch.cat([t.sin(), t.cos()], -1)

    def _init_cached(self):
        self.pos_embed.copy_(self._build(self.pos_embed.shape[0]))

    def rebuild(self, n):
        self.pos_embed = self._build(n)

    def forward(self, x):
        return x + self.pos_embed


def build():
    return Rope(3)


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((3, 4)), dtype=torch.float32),)
