# Tensor.repeat tiles (MLX repeat interleaves); repeat_interleave; expand; unsqueeze/squeeze.
import numpy as np
import torch


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((2, 3)), dtype=torch.float32)
    a = x.repeat(2, 1)
    b = x.repeat(1, 2, 2)
    c = x.repeat_interleave(2, dim=0)
    d = x.unsqueeze(1).expand(2, 4, 3)
    e = x.unsqueeze(0).expand(5, 2, 3)
    f = d.squeeze(1) if d.size(1) == 1 else d.sum(1)
    return a, b, c, d, e, f
