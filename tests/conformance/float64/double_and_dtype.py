# portui-expect: manual
# float64 has no MLX GPU support: x.double() and a cast to torch.float64 are reported, not
# rewritten. (A dtype comparison with float64 is ported: float64_in_comparisons.py.)
import torch


def to_f64(x):
    return x.double()


def cast_f64(x):
    return x.to(torch.float64)
