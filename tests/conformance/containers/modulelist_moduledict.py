# nanoGPT-style ModuleDict(wte=..., h=ModuleList(...), ln_f=...) read through attributes.
import numpy as np
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.fc = nn.Linear(d, d)

    def forward(self, x):
        return x + torch.tanh(self.fc(x))


class Net(nn.Module):
    def __init__(self, d=6, n=3):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(11, d),
            h=nn.ModuleList([Block(d) for _ in range(n)]),
            ln_f=nn.LayerNorm(d),
        ))
        self.heads = nn.ModuleDict({"a": nn.Linear(d, 2), "b": nn.Linear(d, 3)})
        self.extra = nn.ModuleList()
        self.extra.append(nn.Linear(d, d))

    def forward(self, idx):
        x = self.transformer.wte(idx)
        for block in self.transformer.h:
            x = block(x)
        x = self.transformer["ln_f"](self.extra[0](x))
        return self.heads.a(x), self.heads["b"](x), len(self.transformer.h)


def build():
    return Net()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.integers(0, 11, (2, 4)), dtype=torch.long),)
