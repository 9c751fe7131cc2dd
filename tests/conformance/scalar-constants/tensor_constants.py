# 0-d float tensor constants in arithmetic, in float32 and float16.
import numpy as np
import torch

TOLERANCE = 1e-3


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((3, 4)), dtype=torch.float32)
    h = x.to(torch.float16)
    a = x * torch.tensor(0.5)
    b = torch.tensor(2.0) + x
    c = h * torch.tensor(0.5)
    d = h / torch.tensor(3.0) - torch.tensor(1.0)
    return a, b, c, d, c.dtype == torch.float16, d.dtype == torch.float16
