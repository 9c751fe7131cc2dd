# torch.device in annotations (torchvision's `device: Optional[torch.device] = None`): mx.Device,
# so the annotation does not keep torch imported.
from typing import Optional

import numpy as np
import torch


def ones_like_on(x: torch.Tensor, device: Optional[torch.device] = None) -> torch.Tensor:
    return torch.ones_like(x, device=device)


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((2, 3)), dtype=torch.float32)
    return x + ones_like_on(x)
