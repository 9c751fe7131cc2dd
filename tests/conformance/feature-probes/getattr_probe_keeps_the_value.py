# timm's `disable_compiler`: a getattr probe that keeps what it finds, with a fallback for an
# older torch. The port finds MLX's counterpart of torch.compiler.disable (which returns the
# function: MLX compiles only what mx.compile is given), and the decorated function runs.
from contextlib import nullcontext

import numpy as np
import torch


def nullwrap(fn=None):
    return nullcontext() if fn is None else fn


disable_compiler = getattr(getattr(torch, "compiler", None), "disable", None) or nullwrap
as_value = torch.compiler.disable


@disable_compiler
def scaled(x):
    return x * 2


def compute():
    x = torch.from_numpy(np.linspace(-1, 1, 6, dtype=np.float32))
    return scaled(x) + as_value(scaled)(x)
