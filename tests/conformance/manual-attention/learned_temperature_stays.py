# The fused kernel takes a Python float scale. timm's XCiT and EdgeNeXt scale the scores by a
# learned per-head temperature, `nn.Parameter(torch.ones(heads, 1, 1))`: an array, so that
# attention stays hand-written (ported op by op). The scalar-scaled one beside it is fused.
import numpy as np
import torch
import torch.nn as nn


class CrossCovarianceAttention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.temperature = nn.Parameter(torch.linspace(0.5, 1.5, heads).reshape(heads, 1, 1))
        self.qkv = nn.Linear(dim, dim * 3)
        self.scale = (dim // heads) ** -0.5

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 4, 1)
        q, k, v = qkv.unbind(0)
        attn = (q @ k.transpose(-2, -1)) * self.temperature
        attn = attn.softmax(dim=-1)
        channels = attn @ v
        channels = channels.permute(0, 3, 1, 2).reshape(B, N, C)
        q, k, v = qkv.transpose(-2, -1).unbind(0)
        scores = (q @ k.transpose(-2, -1)) * self.scale
        scores = scores.softmax(dim=-1)
        tokens = scores @ v
        tokens = tokens.transpose(1, 2).reshape(B, N, C)
        return channels + tokens


def build():
    return CrossCovarianceAttention(8, 2).eval()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 5, 8)), dtype=torch.float32),)
