# view/permute/contiguous/flatten/float/long/clone/detach/clamp/sum(dim, keepdim)/mean/max.
import numpy as np
import torch


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((2, 3, 4)), dtype=torch.float32)
    a = x.permute(2, 0, 1).contiguous().view(4, 6)
    b = x.flatten(1)
    c = x.clone().detach().clamp(-0.3, 0.3)
    d = x.sum(dim=-1, keepdim=True)
    e = x.mean(1)
    f = (x > 0).float()
    g = x.long()
    h = x.max()
    i = x.exp().log().abs().sqrt()
    j = x.argmax(dim=-1)
    return a, b, c, d, e, f, g, h, i, j
