# 2-D transpose(0, 1), method and function form, and .t(): a plain rename is the identity in MLX.
import numpy as np
import torch


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((3, 5)), dtype=torch.float32)
    a = x.transpose(0, 1)
    b = torch.transpose(x, 0, 1)
    c = x.t()
    return a, b, c, a @ x
