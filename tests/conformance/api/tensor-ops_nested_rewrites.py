# Rewrites nested in rewrites: a hole used twice (split sizes), an insertion where another
# rewrite starts (randint's low bound before a detach), shape packing around a clip, a
# trailing comma before an added argument, a parenthesised receiver.
import numpy as np
import torch


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((2, 9)), dtype=torch.float32)
    h = torch.tensor(rng.standard_normal((2, 2)), dtype=torch.float32)
    n = torch.tensor(3)
    p, q, r = torch.split(x, [h.size(1), h.size(1), 5], dim=1)
    v = torch.var(
        x,
        dim=-1,
    )
    z = torch.zeros(int(n.clamp(min=1)), 4)
    c = (x + 1).contiguous()
    t = x.type_as(h + 1)
    shape = torch.randint(int(x.detach().abs().sum()) + 1, (3,)).shape
    return p, q, r, v, z, c, t, shape
