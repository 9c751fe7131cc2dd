# `with torch.cuda.device(0):` has no MLX meaning (unified memory): the block is unwrapped.
import numpy as np
import torch


def compute():
    x = torch.tensor(np.random.default_rng(0).standard_normal((3, 4)), dtype=torch.float32)
    with torch.cuda.device(-1):  # -1: a no-op in torch, so this runs without a GPU
        y = x * 2
        z = torch.relu(y)
    return z
