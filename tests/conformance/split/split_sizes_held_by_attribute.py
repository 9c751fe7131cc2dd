# An attribute may hold a chunk size or a list of sizes: timm's InceptionNeXt keeps
# `self.split_indexes = (in_chs - 3 * gc, gc, gc, gc)` and unpacks
# `torch.split(x, self.split_indexes, dim=1)` into four names; nanoGPT keeps an int.
import numpy as np
import torch
import torch.nn as nn


class Mixer(nn.Module):
    def __init__(self, in_chs, gc):
        super().__init__()
        self.split_indexes = (in_chs - 3 * gc, gc, gc, gc)
        self.n_embd = gc

    def forward(self, x):
        x_id, x_hw, x_w, x_h = torch.split(x, self.split_indexes, dim=1)
        q, k = x_hw.repeat(1, 2, 1).split(self.n_embd, dim=1)
        return x_id.sum(1) + x_hw.sum(1) * 2 + x_w.sum(1) * 3 + x_h.sum(1) * 4 + q.sum(1) - k.sum(1)


def build():
    return Mixer(10, 2).eval()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 10, 5)), dtype=torch.float32),)
