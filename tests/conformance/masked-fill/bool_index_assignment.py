# Boolean-mask assignment x[mask] = v (MLX has no boolean-mask setitem) and masked_fill_ on an attribute.
import numpy as np
import torch


class Holder:
    def __init__(self, t):
        self.att = t


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((3, 5)), dtype=torch.float32)
    x[x < 0] = 0.0
    y = torch.tensor(rng.standard_normal((3, 5)), dtype=torch.float32)
    mask = torch.tensor(rng.standard_normal((3, 5)) > 0.3)
    y[mask] = -7.0
    h = Holder(torch.tensor(rng.standard_normal((2, 2)), dtype=torch.float32))
    h.att.masked_fill_(torch.tensor([[True, False], [False, True]]), float("-inf"))
    return x, y, h.att
