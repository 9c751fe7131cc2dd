# `.to(x)` where x is an array (conformer's `emb.to(q)`), a dtype or a device held in a
# variable: a cast to the array's dtype, a cast, or nothing.
import numpy as np
import torch


def compute():
    rng = np.random.default_rng(0)
    q = torch.tensor(rng.standard_normal((2, 3)), dtype=torch.float16)
    emb = torch.tensor(rng.standard_normal((2, 3)), dtype=torch.float32)
    wide = torch.float32
    place = q.device
    a = emb.to(q)
    b = a.to(wide)
    c = (b * 2).to(place)
    return a.float(), b, c, str(a.dtype).split(".")[-1]
