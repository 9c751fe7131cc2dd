# 4-D attention-style transposes: (B, T, H, D) -> (B, H, T, D) and k.transpose(-2, -1).
import numpy as np
import torch


def compute():
    rng = np.random.default_rng(0)
    q = torch.tensor(rng.standard_normal((2, 5, 3, 4)), dtype=torch.float32)
    k = torch.tensor(rng.standard_normal((2, 5, 3, 4)), dtype=torch.float32)
    q = q.transpose(1, 2)
    k = k.transpose(1, 2)
    att = q @ k.transpose(-2, -1)
    y = att.transpose(1, 2).contiguous()
    return q, att, y
