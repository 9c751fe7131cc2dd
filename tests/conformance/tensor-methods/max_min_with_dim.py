# portui-expect: manual
# x.max(dim) / x.min(dim) return (values, indices) in torch; MLX's max(axis) returns values only
# (unpacking `vals, inds = x.max(-1)` would silently unpack rows of the values).
import numpy as np
import torch


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((2, 5)), dtype=torch.float32)
    v2, i2 = x.max(-1)  # positional: a plain MLX max(-1) unpacks the 2 row maxima silently
    vals, inds = x.max(dim=-1)
    mins = x.min(-1).values
    am = x.max(1)[1]
    return v2, i2, vals, inds, mins, am, x.max()
