# x-transformers' Attend picks its attention function as a value:
# `partial(F.softmax, dim=-1)`, then `partial(softmax_fn, dtype=torch.float32)`. The value
# takes torch's parameters under their names.
from functools import partial

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Attend(nn.Module):
    def __init__(self, qk_norm=False):
        super().__init__()
        softmax_fn = partial(F.softmax, dim=-1)
        self.attn_fn = partial(softmax_fn, dtype=torch.float32) if not qk_norm else softmax_fn
        self.log_fn = partial(F.log_softmax, dim=1)
        self.min_fn = partial(F.softmin, dim=0)

    def forward(self, sim):
        return self.attn_fn(sim) + self.log_fn(sim) + self.min_fn(sim)


def build():
    return Attend()


def inputs():
    return (torch.tensor(np.random.default_rng(0).standard_normal((2, 3, 4)), dtype=torch.float32),)
