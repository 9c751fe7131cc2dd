# torch.clamp / x.clamp with only min= or only max= (MLX clip needs both a_min and a_max).
import numpy as np
import torch


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((3, 4)), dtype=torch.float32)
    return torch.clamp(x, min=0.0), torch.clamp(x, max=0.25), x.clamp(min=-0.1), torch.clamp(x, -0.5, 0.5)
