# F.layer_norm with weight.shape / (d,) / no affine, and F.rms_norm.
import numpy as np
import torch
import torch.nn.functional as F

TOLERANCE = 1e-4


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((2, 3, 8)) * 3 + 1, dtype=torch.float32)
    w = torch.tensor(rng.standard_normal((8,)), dtype=torch.float32)
    b = torch.tensor(rng.standard_normal((8,)), dtype=torch.float32)
    return (F.layer_norm(x, w.shape, w, b, 1e-5), F.layer_norm(x, (8,)),
            F.layer_norm(x, [8], weight=w, bias=None, eps=1e-6),
            F.rms_norm(x, (8,), w, 1e-6), F.rms_norm(x, [x.size(-1)], eps=1e-5))
