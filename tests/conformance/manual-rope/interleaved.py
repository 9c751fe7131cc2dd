# Interleaved RoPE (pairs 2i, 2i + 1: GPT-J/Meta pairing) in the even/odd form, tables built in
# the same function without the rotate-half repeat: traditional=True. On (B, H, T, D), and on
# (B, T, H, D) with the tables unsqueezed at axis 1.
import numpy as np
import torch

TOLERANCE = 1e-4


def rope_pairs(x, base=10000.0):
    T, d = x.shape[-2], x.shape[-1]
    inv_freq = 1.0 / (base ** (torch.arange(0, d, 2)[: (d // 2)].float() / d))
    t = torch.arange(T).float()
    freqs = torch.outer(t, inv_freq)
    cos = freqs.cos()
    sin = freqs.sin()
    x1 = x[..., 0::2]
    x2 = x[..., 1::2]
    return torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1).flatten(-2)


def rope_pairs_sequence_first(x, start):
    T, d = x.shape[1], x.shape[-1]
    inv_freq = 1.0 / (10000.0 ** (torch.arange(0, d, 2).float() / d))
    t = torch.arange(start, start + T).float()
    freqs = torch.outer(t, inv_freq)
    cos = freqs.cos().unsqueeze(1)
    sin = freqs.sin().unsqueeze(1)
    even = x[..., ::2]
    odd = x[..., 1::2]
    return torch.stack([even * cos - odd * sin, even * sin + odd * cos], -1).flatten(-2)


def compute():
    rng = np.random.default_rng(0)
    t = lambda *shape: torch.tensor(rng.standard_normal(shape), dtype=torch.float32)
    return [rope_pairs(t(2, 3, 7, 16)), rope_pairs_sequence_first(t(2, 5, 3, 8), 4)]
