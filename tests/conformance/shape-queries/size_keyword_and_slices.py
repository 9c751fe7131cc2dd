# size(dim=1), size()[1:], tuple(size()), nelement(), ndimension(), shape reads left alone.
import numpy as np
import torch


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((2, 3, 4)), dtype=torch.float32)
    tail = x.size()[1:]
    return (x.size(dim=1), list(tail), tuple(x.size()), x.nelement(), x.ndimension(),
            x.shape[0], x.new_zeros(x.size()).sum(), x.reshape(-1, x.size(-1)))
