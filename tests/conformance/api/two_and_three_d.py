import numpy as np
import torch

def compute():
    x = torch.tensor(np.random.default_rng(0).standard_normal((2, 3, 4)), dtype=torch.float32)
    y = torch.tensor(np.random.default_rng(1).standard_normal((3, 3)), dtype=torch.float32)
    return x.transpose(1, 2), y.transpose(0, 1), torch.transpose(x, 0, 2)
