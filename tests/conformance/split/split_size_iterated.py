# split with a chunk size whose result is iterated (not unpacked), with a short last chunk.
import numpy as np
import torch


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((10, 3)), dtype=torch.float32)
    parts = x.split(4)  # sizes 4, 4, 2
    sums = [p.sum(0) for p in parts]
    return len(parts), [p for p in parts], sums
