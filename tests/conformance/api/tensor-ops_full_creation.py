# torch.full: mx.full(shape, value) exists (same argument order); common for masks and padding.
import numpy as np
import torch


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((2, 3)), dtype=torch.float32)
    return torch.full((2, 2), 7.0), torch.full((3,), -1, dtype=torch.long)
