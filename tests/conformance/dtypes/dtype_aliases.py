# torch.long / torch.float / torch.bool / torch.int32 / torch.half aliases in casts and creation.
import numpy as np
import torch


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((3, 4)), dtype=torch.float)
    i = torch.arange(0, 6, dtype=torch.long)
    b = torch.tensor(rng.standard_normal((3, 4)) > 0, dtype=torch.bool)
    j = x.to(torch.int32)
    h = x.to(torch.float16).to(torch.float32)
    return x, i, b, j, h, (x * b.to(torch.float32)).sum()
