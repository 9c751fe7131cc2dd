# torch's var defaults to unbiased (divides by n - 1): that is not a LayerNorm and stays op by
# op. A mean that is read again after the norm keeps its statement.
import numpy as np
import torch

TOLERANCE = 1e-4


def unbiased(x, eps):
    mean = x.mean(-1, keepdim=True)
    var = x.var(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


def shared_mean(x, w, b):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    y = (x - mean) / torch.sqrt(var + 1e-5) * w + b
    return y, mean


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((3, 4, 16)), dtype=torch.float32)
    w = torch.tensor(rng.standard_normal(16), dtype=torch.float32)
    b = torch.tensor(rng.standard_normal(16), dtype=torch.float32)
    return [unbiased(x, 1e-5), shared_mean(x, w, b)]
