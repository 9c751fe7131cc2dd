# `from torch.jit.annotations import List` (timm's DenseNet): typing's own names, re-exported
# by torch. They become typing's; quoting them (`"List"[mx.array]`) would fail when the
# function is defined.
import numpy as np
import torch
from torch.jit.annotations import List, Optional, Tuple


def concat(xs: List[torch.Tensor], scale: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, int]:
    y = torch.cat(xs, 1)
    if scale is not None:
        y = y * scale
    return y, len(xs)


def compute():
    rng = np.random.default_rng(0)
    a = torch.tensor(rng.standard_normal((2, 3)), dtype=torch.float32)
    b = torch.tensor(rng.standard_normal((2, 4)), dtype=torch.float32)
    y, n = concat([a, b], torch.tensor(2.0))
    return y, torch.tensor(n)
