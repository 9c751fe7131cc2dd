# nanoGPT's _init_weights via self.apply + normal_/zeros_, and a loop over named_parameters.
# Statistics can't match numerically: build() overwrites weights; the point is __init__ runs.
import math
import numpy as np
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, d=8, vocab=11):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.fc = nn.Linear(d, d)
        self.c_proj = nn.Linear(d, d, bias=False)
        self.apply(self._init_weights)
        for pn, p in self.named_parameters():
            if pn.endswith("c_proj.weight"):
                torch.nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * 3))

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx):
        return self.c_proj(torch.tanh(self.fc(self.wte(idx))))


def build():
    return Net()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.integers(0, 11, (2, 3)), dtype=torch.long),)
