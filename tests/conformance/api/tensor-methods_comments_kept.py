# Comments inside a call that becomes a function call (x.m(...) → f(x, ...)) are kept.
import numpy as np
import torch


def compute():
    x = torch.tensor(np.random.default_rng(0).standard_normal((2, 3)), dtype=torch.float32)
    y = x.unsqueeze(
        1  # the new axis
    )
    z = x.clamp(
        min=0.0,  # floor only
    )
    return y, z
