# torch's F.scaled_dot_product_attention takes any number of leading axes: timm's NesT attends
# within image blocks, q, k, v of shape (B, H, blocks, T, D), unbound from a 6-axis permute.
# MLX's kernel takes (B, H, T, D) only, so the rank spelled out here picks
# portui_shims.scaled_dot_product_attention, which folds the leading axes into the batch. The
# 4-D attention beside it keeps MLX's kernel; a mask is broadcast over the leading axes.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class BlockAttention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, dim * 3)

    def forward(self, x):
        B, T, N, C = x.shape
        qkv = self.qkv(x).reshape(B, T, N, 3, self.heads, C // self.heads).permute(3, 0, 4, 1, 2, 5)
        q, k, v = qkv.unbind(0)
        blocks = F.scaled_dot_product_attention(q, k, v)
        keep = torch.ones(N, N, dtype=torch.bool).tril()
        masked = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
        flat = self.qkv(x.reshape(B, T * N, C)).reshape(B, T * N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        fq, fk, fv = flat.unbind(0)
        tokens = F.scaled_dot_product_attention(fq, fk, fv)
        if not self.training:
            q = q * 2.0  # rebound after the attention, as NesT's unfused branch does
        blocks = (blocks + masked * 2).permute(0, 2, 3, 1, 4).reshape(B, T, N, C)
        return blocks + tokens.transpose(1, 2).reshape(B, T, N, C)


def build():
    return BlockAttention(8, 2).eval()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 3, 4, 8)), dtype=torch.float32),)
