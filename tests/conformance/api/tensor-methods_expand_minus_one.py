# expand with -1 (keep this size): portui_shims.expand writes the sizes out for
# mx.broadcast_to; without -1, plain mx.broadcast_to.
import numpy as np
import torch


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((1, 3, 4)), dtype=torch.float32)
    n = 2
    return x.expand(n, -1, -1), x.expand(2, 3, 4), x[0].expand(5, -1, -1), x.expand((2, -1, 4))
