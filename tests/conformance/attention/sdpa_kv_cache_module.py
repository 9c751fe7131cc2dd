# A decoding step with a kv cache in a module: one new query against cached keys (T_q=2 < T_k=6),
# is_causal=True (top-left in torch), plus grouped kv heads via repeat_interleave.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

TOLERANCE = 1e-4


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.q = nn.Linear(8, 8)

    def forward(self, x, k_cache, v_cache):
        B, T, C = x.shape
        q = self.q(x).view(B, T, 4, 2).transpose(1, 2)          # (B, 4, T, 2)
        k = k_cache.repeat_interleave(2, dim=1)                   # (B, 2, S, 2) -> (B, 4, S, 2)
        v = v_cache.repeat_interleave(2, dim=1)
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)


def build():
    return Decoder()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((1, 2, 8)), dtype=torch.float32),
            torch.tensor(rng.standard_normal((1, 2, 6, 2)), dtype=torch.float32),
            torch.tensor(rng.standard_normal((1, 2, 6, 2)), dtype=torch.float32))
