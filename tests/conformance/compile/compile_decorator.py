# @torch.compile as a decorator, bare or configured: the decorator line is removed and the
# function computes the same numbers uncompiled. The configured one runs torch's eager
# backend, so the torch side needs no C++ compiler; the bare one is never called (that would
# compile), but the port only imports under MLX, with torch blocked, once it is gone.
import numpy as np
import torch


@torch.compile(backend="eager", fullgraph=True)
def gelu_tanh(x):
    return 0.5 * x * (1 + torch.tanh(0.7978845608 * (x + 0.044715 * x**3)))


@torch.compile
def never_called(x):
    return x * 2


def compute():
    x = torch.from_numpy(np.linspace(-3, 3, 12, dtype=np.float32))
    return gelu_tanh(x)
