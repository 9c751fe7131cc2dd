# Rotate-half RoPE (LLaMA/HF pairing: feature i with i + D/2) with its cos/sin tables built in
# the same function: on (B, H, T, D) from position 0, with a position offset (a decoding step
# after 5 cached tokens), and on (B, T, H, D) with tables indexed [:, None, :].
import numpy as np
import torch

TOLERANCE = 1e-4


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def rope_heads_first(q, base=10000.0):
    T, d = q.shape[-2], q.shape[-1]
    inv_freq = 1.0 / (base ** (torch.arange(0, d, 2).float() / d))
    t = torch.arange(T).float()
    freqs = torch.outer(t, inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos = emb.cos()
    sin = emb.sin()
    return q * cos + rotate_half(q) * sin


def rope_with_offset(k, start):
    T, d = k.shape[-2], k.shape[-1]
    inv_freq = 1.0 / (500.0 ** (torch.arange(0, d, 2, dtype=torch.float32) / d))
    positions = torch.arange(start, start + T, dtype=torch.float32)
    freqs = torch.einsum("i,j->ij", positions, inv_freq)
    emb = torch.cat([freqs, freqs], dim=-1)
    cos = torch.cos(emb)
    sin = torch.sin(emb)
    return (rotate_half(k) * sin) + (cos * k)


def rope_sequence_first(x, theta):
    T, d = x.shape[1], x.shape[-1]
    inv_freq = 1.0 / (theta ** (torch.arange(0, d, 2).float() / d))
    t = torch.arange(T, dtype=torch.float32)
    freqs = t[:, None] * inv_freq[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos = emb.cos()
    sin = emb.sin()
    return x * cos[:, None, :] + rotate_half(x) * sin[:, None, :]


def compute():
    rng = np.random.default_rng(0)
    t = lambda *shape: torch.tensor(rng.standard_normal(shape), dtype=torch.float32)
    return [
        rope_heads_first(t(2, 3, 7, 16)),
        rope_with_offset(t(1, 2, 3, 8), 5),
        rope_sequence_first(t(2, 6, 4, 16), 10000.0),
    ]
