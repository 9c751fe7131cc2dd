# nanoGPT's q, k, v = x.split(n_embd, dim=2): an integer is a chunk SIZE in torch.
import numpy as np
import torch


def compute():
    rng = np.random.default_rng(0)
    n_embd = 4
    x = torch.tensor(rng.standard_normal((2, 3, 3 * n_embd)), dtype=torch.float32)
    q, k, v = x.split(n_embd, dim=2)
    a, b = torch.split(x, 6, dim=-1)
    return q, k, v, a, b
