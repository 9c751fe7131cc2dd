# Annotations naming torch things no MLX type stands for (timm's `Dict[str, torch.tensor]`, an
# optimizer parameter, a functional module used as a type by mistake) become string
# annotations: Python never evaluates them, so the port imports without torch, and they still
# say what torch's code said. Types MLX has (torch.Tensor, torch.Size) become MLX's.
from typing import Dict, Optional

import numpy as np
import torch
import torch.nn.functional as F


class Scaler:
    def __init__(self, scale: float = 2.0, fmt: F = "NCHW"):
        self.scale = scale
        self.fmt = fmt

    def outputs(self, x: torch.Tensor) -> Dict[str, torch.tensor]:
        return {"scaled": x * self.scale, "shifted": x + 1.0}

    def step(self, optimizer: Optional[torch.optim.Optimizer], x: torch.Tensor) -> torch.Size:
        return x.shape


def compute():
    x = torch.from_numpy(np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4))
    scaler = Scaler()
    out = scaler.outputs(x)
    rows, cols = scaler.step(None, x)
    return out["scaled"] * rows + out["shifted"] * cols
