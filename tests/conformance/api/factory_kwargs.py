# timm passes device and dtype together as `**dd` (factory keywords): the dtype is kept where
# the MLX call takes one, the device dropped; MLX layers take neither.
import numpy as np
import torch
import torch.nn as nn


def compute():
    dd = dict(device=None, dtype=torch.float32)
    half = {"dtype": torch.float16}
    none = {"device": None}
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((2, 3)), dtype=torch.float32)
    return torch.zeros(2, 3, **dd), torch.ones(4, **half), torch.full((2,), 3.0, **none), x + torch.empty(2, 3, **dd).zero_()
