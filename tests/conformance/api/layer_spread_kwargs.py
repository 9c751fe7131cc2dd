# A `**` argument to layers whose only unfilled parameter is `inplace` (torchvision's MLP:
# `params = {} if inplace is None else {"inplace": inplace}`): dropped, as MLX has no in-place.
import numpy as np
import torch
import torch.nn as nn


def block(inplace=None):
    params = {} if inplace is None else {"inplace": inplace}
    return nn.Sequential(nn.ReLU(**params), nn.Dropout(0.5, **params))


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((4, 3)), dtype=torch.float32)
    first, second = block(), block(True)
    first.eval()
    second.eval()
    return first(x), second(x)
