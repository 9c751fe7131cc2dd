# timm passes device and dtype together as `**dd` (factory keywords): the dtype is kept where
# the MLX call takes one, the device dropped; MLX layers take neither. A wrapper forwarding its
# own `dtype=None` keeps torch's default.
import numpy as np
import torch
import torch.nn as nn


def square_layer(n, device=None, dtype=None):
    # a wrapper passing its caller's dtype on, None (torch's default) unless the caller says
    return nn.Linear(n, n, bias=False, device=device, dtype=dtype)


def compute():
    dd = dict(device=None, dtype=torch.float32)
    half = {"dtype": torch.float16}
    none = {"device": None}
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((2, 3)), dtype=torch.float32)
    layer = square_layer(3)
    with torch.no_grad():
        layer.weight.copy_(torch.eye(3))
    return layer(x), torch.zeros(2, 3, **dd), torch.ones(4, **half), torch.full((2,), 3.0, **none), x + torch.empty(2, 3, **dd).zero_()
