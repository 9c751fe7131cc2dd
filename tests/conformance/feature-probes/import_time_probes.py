# Libraries probe torch's features once, at import (timm's `_HAS_FUSED_ATTN`, its
# `torch.compiler.is_exporting` check): the port answers as the torch the table describes, so
# the fused branch runs, on MLX's fused attention, and the export check asks a port that is
# never exporting. Nothing keeps `import torch` alive.
import numpy as np
import torch
import torch.nn.functional as F

_HAS_FUSED_ATTN = hasattr(F, "scaled_dot_product_attention")
_HAS_COMPILER_IS_EXPORTING = hasattr(torch, "compiler") and hasattr(torch.compiler, "is_exporting")


def is_exporting():
    return _HAS_COMPILER_IS_EXPORTING and torch.compiler.is_exporting()


def attend(q, k, v):
    if _HAS_FUSED_ATTN:
        return F.scaled_dot_product_attention(q, k, v)
    weights = torch.softmax(q @ k.transpose(-2, -1) / q.shape[-1] ** 0.5, dim=-1)
    return weights @ v


def compute():
    rng = np.random.default_rng(0)
    q, k, v = (torch.from_numpy(rng.standard_normal((2, 3, 5, 4)).astype(np.float32)) for _ in range(3))
    out = attend(q, k, v)
    return out * 2.0 if is_exporting() else out
