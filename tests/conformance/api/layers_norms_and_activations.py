# Layer constructors with argument differences: LayerNorm(elementwise_affine=False), GroupNorm,
# RMSNorm default eps, GELU(approximate="tanh"), Embedding, Dropout, Linear(bias=False).
import numpy as np
import torch
import torch.nn as nn

TOLERANCE = 1e-4


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 8)
        self.ln = nn.LayerNorm(8)
        self.ln_na = nn.LayerNorm(8, elementwise_affine=False)
        self.gn = nn.GroupNorm(2, 8)
        self.rms = nn.RMSNorm(8)
        self.fc = nn.Linear(8, 8, bias=False)
        self.act = nn.GELU(approximate="tanh")
        self.act2 = nn.GELU()
        self.silu = nn.SiLU()
        self.drop = nn.Dropout(0.1)

    def forward(self, idx):
        x = self.drop(self.emb(idx))
        x = self.ln(x) + self.ln_na(x)
        x = self.gn(x.reshape(-1, 8)).reshape(x.shape)
        x = self.act(self.fc(self.rms(x * 1e-3)))
        return self.silu(self.act2(x))


def build():
    return Net()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.integers(0, 10, (2, 5)), dtype=torch.long),)
