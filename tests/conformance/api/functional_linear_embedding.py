# F.linear with and without bias, F.embedding(idx, weight).
import numpy as np
import torch
import torch.nn.functional as F


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((2, 3, 4)), dtype=torch.float32)
    w = torch.tensor(rng.standard_normal((5, 4)), dtype=torch.float32)
    b = torch.tensor(rng.standard_normal((5,)), dtype=torch.float32)
    idx = torch.tensor(rng.integers(0, 5, (2, 3)), dtype=torch.long)
    return F.linear(x, w, b), F.linear(x, w), F.embedding(idx, w)
