# `values, indices = x.max(dim)` unpacks torch's (values, indices); MLX's max(axis) returns
# the values only (a plain rename would unpack the rows of the values): the port computes
# both with max and argmax.
import numpy as np
import torch


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((2, 5)), dtype=torch.float32)
    v2, i2 = x.max(-1)
    vals, inds = x.max(dim=-1, keepdim=True)
    low, where = x.min(0)
    return v2, i2, vals, inds, low, where
