# masked_fill with a boolean mask tensor and a scalar, mask broadcast over a batch axis.
import numpy as np
import torch


def compute():
    rng = np.random.default_rng(1)
    x = torch.tensor(rng.standard_normal((2, 3, 4)), dtype=torch.float32)
    mask = torch.tensor(rng.standard_normal((3, 4)) > 0)
    filled = x.masked_fill(mask, -1.5)
    kept = x.masked_fill(~mask, 0)
    return filled, kept
