# torch.dtype's predicates read on a dtype (`x.dtype.is_floating_point`, kornia's kernels):
# MLX's Dtype has none of them; mx.issubdtype asks the same, and Dtype.size is the itemsize.
import numpy as np
import torch


def describe(x, dtype):
    return [
        x.dtype.is_floating_point,
        x.dtype.is_complex,
        x.dtype.is_signed,
        x.dtype.itemsize,
        torch.uint8.is_signed,
        dtype.is_floating_point,
    ]


def scaled(sigma):
    if not (sigma.dtype.is_floating_point or sigma.dtype.is_complex):
        sigma = sigma.float()
    return sigma * 2


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((2, 3)), dtype=torch.float32)
    i = torch.tensor([1, 2, 3], dtype=torch.int64)
    u = torch.tensor([1, 2], dtype=torch.uint8)
    flags = describe(x, torch.int32) + describe(i, torch.float16) + describe(u, torch.bool)
    return [torch.tensor([float(f) for f in flags]), scaled(i), scaled(x)]
