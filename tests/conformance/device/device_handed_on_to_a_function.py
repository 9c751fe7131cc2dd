# `device = bands.device` when `device` is also handed on (timm's EVA rotary embedding): the
# variable holds MLX's default device, which the callee's dropped `device=` keywords ignore.
import numpy as np
import torch


def build_grid(n, device=None):
    return torch.arange(n, device=device, dtype=torch.float32)


def embed(bands, device=None):
    if device is None:
        device = bands.device
    grid = build_grid(bands.shape[0], device=device)
    return (grid[:, None] * bands[None, :]).sin()


def compute():
    rng = np.random.default_rng(0)
    bands = torch.tensor(rng.standard_normal(6), dtype=torch.float32)
    return embed(bands)
