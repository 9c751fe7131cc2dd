# torch.var/std are unbiased by default (MLX ddof=0); explicit unbiased=False; keepdim.
import numpy as np
import torch


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((4, 6)), dtype=torch.float32)
    return (torch.var(x), torch.std(x, 0), torch.var(x, dim=1, keepdim=True),
            torch.std(x, dim=0, unbiased=False), torch.var(x, 1, unbiased=False))
