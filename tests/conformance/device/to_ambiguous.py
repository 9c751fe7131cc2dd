# `.to(x)` where x is an array (conformer's `emb.to(q)`) or a dtype held in a variable: a cast
# to the array's dtype, or a cast.
import numpy as np
import torch


def compute():
    rng = np.random.default_rng(0)
    q = torch.tensor(rng.standard_normal((2, 3)), dtype=torch.float16)
    emb = torch.tensor(rng.standard_normal((2, 3)), dtype=torch.float32)
    wide = torch.float32
    a = emb.to(q)
    b = a.to(wide)
    # a - emb is float16's rounding error: zero if the cast did not happen.
    return a.float(), b, a.float() - emb
