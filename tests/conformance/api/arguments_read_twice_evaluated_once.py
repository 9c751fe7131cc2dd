# MLX forms that read an argument twice (F.tanhshrink → x - mx.tanh(x), full_like → the
# input's shape and dtype, timm's `torch.empty(n).normal_()`) get a call or an expression, not a
# name: the port evaluates it once, as torch does, also inside a comprehension. The count of
# calls is part of the result.
import numpy as np
import torch
import torch.nn.functional as F

calls = []


def features(x):
    calls.append(1)
    return x * 2.0


def compute():
    x = torch.from_numpy(np.linspace(-2, 2, 12, dtype=np.float32).reshape(3, 4))
    shrunk = F.tanhshrink(features(x))
    gated = F.threshold(features(x) - 1.0, 0.5, -1.0)
    filled = torch.full_like(features(x)[:, :2], 3.0)
    rows = [F.tanhshrink(features(row)) for row in x]
    noise = torch.empty(2, 3).normal_()
    return shrunk.sum() + gated.sum() + filled.sum() + sum(r.sum() for r in rows) + noise.shape[1] + len(calls)
