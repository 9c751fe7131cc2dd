# A vocoder's export step (HiFi-GAN's `remove_weight_norm()`): layers trained with
# torch.nn.utils.weight_norm get their weight computed once from g and v and kept as a plain
# parameter; g changed during training shows in the weight that remains.
import numpy as np
import torch
import torch.nn as nn
from torch.nn.utils import remove_weight_norm, weight_norm


def compute():
    rng = np.random.default_rng(0)
    layer = nn.Linear(4, 3)
    other = nn.Linear(3, 2)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(rng.standard_normal((3, 4)), dtype=torch.float32))
        layer.bias.copy_(torch.tensor(rng.standard_normal(3), dtype=torch.float32))
        other.weight.copy_(torch.tensor(rng.standard_normal((2, 3)), dtype=torch.float32))
        other.bias.zero_()
    layer = weight_norm(layer)
    other = weight_norm(other, dim=None)
    layer.weight_g = nn.Parameter(layer.weight_g * 2.0)
    x = torch.tensor(rng.standard_normal((5, 4)), dtype=torch.float32)
    before = other(layer(x))
    layer = remove_weight_norm(layer)
    remove_weight_norm(other)
    after = other(layer(x))
    return before, after, layer.weight, other.weight
