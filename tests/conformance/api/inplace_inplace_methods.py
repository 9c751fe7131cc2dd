# add_, mul_, zero_, fill_, clamp_(lo, hi), sub_, div_ as statements on names and attributes.
import numpy as np
import torch


class Acc:
    def __init__(self):
        self.total = torch.ones(3)


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((3,)), dtype=torch.float32)
    y = torch.tensor(rng.standard_normal((3,)), dtype=torch.float32)
    x.add_(y)
    x.mul_(0.5)
    x.clamp_(-0.2, 0.3)
    x.sub_(1.0)
    x.div_(2)
    z = y.clone()
    z.zero_()
    w = torch.empty(2, 2)
    w.fill_(3.5)
    a = Acc()
    a.total.add_(x)
    a.total.clamp_(0.0, 0.9)
    return x, z, w, a.total, y
