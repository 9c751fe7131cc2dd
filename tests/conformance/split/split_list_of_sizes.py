# split with a list of sizes (unpacked and kept as a list), and chunk into equal sections.
import numpy as np
import torch


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((2, 9)), dtype=torch.float32)
    a, b, c = x.split([2, 3, 4], dim=1)
    pieces = torch.split(x, [5, 4], dim=-1)
    h1, h2, h3 = x.chunk(3, dim=1)
    return a, b, c, list(pieces), h1, h2, h3
