# TorchScript: decorators removed, is_scripting() False, script(f) is f, annotate(T, v) is v.
from typing import List

import numpy as np
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    @torch.jit.ignore
    def no_weight_decay(self):
        return {"fc.bias"}

    @torch.jit.unused
    def slow_path(self, x):
        return x * 2

    @torch.jit.export
    def scale(self, x):
        return x * 0.5

    def forward(self, x):
        if torch.jit.is_scripting() or torch.jit.is_tracing():
            return self.fc(x)
        out: List[torch.Tensor] = torch.jit.annotate(List[torch.Tensor], [])
        out.append(self.scale(self.fc(x)))
        return out[0]


def build():
    return torch.jit.script(Block()) if False else Block()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 4)), dtype=torch.float32),)
