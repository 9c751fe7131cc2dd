# timm's create_act: activations probed with `'silu' in dir(torch.nn.functional)` and kept as
# values in a table, then called through it with their own arguments. The probes answer as
# the torch the table describes; the values are MLX's functions of the same parameters.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

_has_silu = "silu" in dir(torch.nn.functional)
_has_mish = "mish" in dir(torch.nn.functional)


def swish(x):
    return x * torch.sigmoid(x)


_ACT_DEFAULT = dict(
    silu=F.silu if _has_silu else swish,
    mish=F.mish if _has_mish else swish,
    leaky_relu=F.leaky_relu,
    elu=F.elu,
    celu=F.celu,
    hard_sigmoid=F.hardsigmoid,
)
_ACT_LAYERS = dict(hard_sigmoid=nn.Hardsigmoid if _has_silu else None)


def compute():
    x = torch.from_numpy(np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4))
    acts = _ACT_DEFAULT
    return (
        acts["silu"](x)
        + acts["mish"](x)
        + acts["leaky_relu"](x, 0.2)
        + acts["leaky_relu"](x, negative_slope=0.1)
        + acts["elu"](x, alpha=0.5)
        + acts["celu"](x)
        + acts["hard_sigmoid"](x)
        + torch.nn.Hardsigmoid()(x)
        + _ACT_LAYERS["hard_sigmoid"]()(x)
    )
