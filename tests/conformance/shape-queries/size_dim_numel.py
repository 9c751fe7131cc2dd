# size() unpacked, size(d), size(-1), dim(), numel() used in arithmetic and view.
import numpy as np
import torch


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((2, 3, 4)), dtype=torch.float32)
    B, T, C = x.size()
    n = x.numel()
    d = x.dim()
    y = x.view(B * T, x.size(-1))
    z = x.reshape(x.size(0), -1) / n
    return y, z, n, d, x.size(1), list(x.size())
