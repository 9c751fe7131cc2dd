# portui-expect: manual
# float64 has no MLX GPU support: x.double() and torch.float64 checks are reported, not rewritten.
import torch


def to_f64(x):
    return x.double()


def is_f64(x):
    return x.dtype == torch.float64
