# portui-expect: manual
# x.max(dim) / x.min(dim) return (values, indices) in torch; MLX's max(axis) returns values only
# (unpacking `vals, inds = x.max(-1)` would silently unpack rows of the values). Unpacked at
# once it is rewritten (max_min_unpacked.py); these other uses stay manual.
import numpy as np
import torch


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((2, 5)), dtype=torch.float32)
    mins = x.min(-1).values
    am = x.max(1)[1]
    return mins, am, x.max()
