# cat/stack with dim, gather(x, dim, index) both spellings, clamp, where, pow, max/min.
import numpy as np
import torch


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((3, 4)), dtype=torch.float32)
    y = torch.tensor(rng.standard_normal((3, 4)), dtype=torch.float32)
    idx = torch.tensor(rng.integers(0, 4, (3, 2)), dtype=torch.long)
    return (torch.cat([x, y], dim=1), torch.stack((x, y), dim=0), torch.gather(x, 1, idx),
            torch.gather(x, dim=1, index=idx), torch.clamp(x, -0.5, 0.5),
            torch.where(x > 0, x, y), torch.pow(x, 2), torch.maximum(x, y), torch.exp(x),
            torch.sum(x, dim=1, keepdim=True), torch.mean(x, dim=0), torch.argmax(x, dim=1))
