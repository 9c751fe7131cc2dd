# Tensor.var/std methods: unbiased by default in torch, ddof=0 in MLX (silent if renamed).
import numpy as np
import torch


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((4, 6)), dtype=torch.float32)
    return x.var(-1), x.std(), x.var(dim=0, keepdim=True), x.std(dim=1, unbiased=False)
