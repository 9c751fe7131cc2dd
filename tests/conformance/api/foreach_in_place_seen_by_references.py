# An optimizer written with torch's multi-tensor kernels: `_foreach_mul_` and `_foreach_add_`
# change each tensor of the list in place, so the names bound to those tensors (a model's
# parameters, the optimizer's state) see the new values. The port writes each new array into
# the old one; the step's value is used too (`updated = ...`).
import numpy as np
import torch


def compute():
    rng = np.random.default_rng(0)
    weight = torch.from_numpy(rng.standard_normal((3, 4)).astype(np.float32))
    bias = torch.from_numpy(rng.standard_normal(4).astype(np.float32))
    grads = [torch.ones(3, 4), torch.full((4,), 0.5)]
    params = [weight, bias]
    torch._foreach_mul_(params, 0.9)
    updated = torch._foreach_add_(params, grads, alpha=-0.1)
    torch._foreach_abs_(params)
    return weight.sum() + bias.sum() + updated[1].sum() + len(updated)
