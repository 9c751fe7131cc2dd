# A device variable whose uses include whole `x = x.to(device)` statements (one alone in an
# `if`) and a `device=` keyword of a factory call that the API table rewrites (transformers'
# candidate generator and kyutai): every rewrite composes, none is left out of the port.
import numpy as np
import torch


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((2, 3)), dtype=torch.float32)
    y = torch.tensor(rng.standard_normal((2, 3)), dtype=torch.float32)
    device = x.device
    x = x.to(device)
    if y is not None:
        y = y.to(device)
    counts = torch.zeros(
        (2, 3),
        device=device,
        dtype=torch.long,
    )
    target_device = y.device
    return x * y + counts.to(target_device)
