# `.to(device=device, dtype=dtype)` where dtype is a parameter defaulting to None (timm's
# pos_embed_sincos builds its bands so): torch keeps the dtype for None; MLX's astype rejects
# None, so the cast goes through portui_shims.to.
import numpy as np
import torch


def bands(n, device=None, dtype=None):
    b = torch.arange(n).float() / n
    return b.to(device=device, dtype=dtype)


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((4,)), dtype=torch.float32)
    kept = bands(4)
    halved = bands(4, dtype=torch.float16)
    return x + kept, halved, kept.dtype == torch.float32, halved.dtype == torch.float16
