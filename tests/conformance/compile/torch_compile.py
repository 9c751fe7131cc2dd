# torch.compile only makes code faster: the port removes it (numbers unchanged) and says how
# to mx.compile the step. Re-binding the same name deletes the statement; binding another
# name keeps the uncompiled function.
import numpy as np
import torch


def maybe_compile(model, enabled):
    if enabled:
        model = torch.compile(model)
    return model


def compute():
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.standard_normal((3, 4)).astype(np.float32))
    affine = torch.compile(lambda t: t * 2 + 1, backend="eager")
    return affine(x), maybe_compile(lambda t: t - 1, False)(x)
