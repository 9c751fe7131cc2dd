# torch.Tensor in annotations and isinstance checks.
import numpy as np
import torch


def scale(x: torch.Tensor, s: float) -> torch.Tensor:
    return x * s


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((2, 2)), dtype=torch.float32)
    y = scale(x, 3.0)
    return y, isinstance(y, torch.Tensor)
