# x.max(dim) / x.min(dim) return (values, indices) in torch; MLX's max(axis) returns values only
# (unpacking `vals, inds = x.max(-1)` would silently unpack rows of the values). The pair is
# written out as (x.max(axis), x.argmax(axis)); `.values`, `.indices`, `[0]` and `[1]` take one.
import numpy as np
import torch


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((2, 5)), dtype=torch.float32)
    mins = x.min(-1).values
    am = x.max(1)[1]
    pair = x.max(dim=0, keepdim=True)
    return mins, am, x.max(), pair, torch.min(x, 1).indices, x.min(-1)[0]
