# nanoGPT's manual attention path (flash=False): scores scaled by 1/sqrt(hs), a registered tril
# buffer sliced [:, :, :T, :T] filled with -inf, softmax, attention dropout, weights @ v.
import math

import numpy as np
import torch
import torch.nn as nn
from torch.nn import functional as F

TOLERANCE = 1e-4


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd=16, n_head=4, block_size=8, dropout=0.1):
        super().__init__()
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.attn_dropout = nn.Dropout(dropout)
        self.n_head = n_head
        self.n_embd = n_embd
        self.register_buffer("bias", torch.tril(torch.ones(block_size, block_size))
                                    .view(1, 1, block_size, block_size))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float('-inf'))
        att = F.softmax(att, dim=-1)
        att = self.attn_dropout(att)
        y = att @ v
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


def build():
    return CausalSelfAttention()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 6, 16)), dtype=torch.float32),)
