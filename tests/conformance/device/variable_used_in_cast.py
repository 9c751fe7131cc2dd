# simple-vit's forward: a device variable whose one use is a `.to(device, dtype=...)` cast. The
# cast keeps its dtype, so the variable goes with the device part of its only use. Bound twice
# in one function (transformers' tapas), both bindings make the same cast edits, applied once.
import numpy as np
import torch


def compute():
    rng = np.random.default_rng(0)
    img = torch.tensor(rng.standard_normal((2, 3)), dtype=torch.float32)
    table = torch.tensor(rng.standard_normal((2, 3)), dtype=torch.float16)
    device = img.device
    x = img * 2
    x += table.to(device, dtype=x.dtype)
    device = img.device if img is not None else table.device
    y = table.to(device=device, dtype=torch.float32)
    return x, y
