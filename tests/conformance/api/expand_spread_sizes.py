# halonet's and bottleneck-transformer's `expand_dim`: the sizes are spread from a list built
# as `[-1] * n` (keep every size but one), so they may be -1 and go through the shim.
import numpy as np
import torch


def expand_dim(t, dim, k):
    t = t.unsqueeze(dim=dim)
    expand_shape = [-1] * len(t.shape)
    expand_shape[dim] = k
    return t.expand(*expand_shape)


def compute():
    x = torch.tensor(np.random.default_rng(0).standard_normal((2, 3)), dtype=torch.float32)
    return expand_dim(x, 1, 4)
