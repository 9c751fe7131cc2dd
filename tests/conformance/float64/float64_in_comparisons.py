# kornia checks dtypes against float64 (`x.dtype in (torch.bfloat16, float16, float32,
# float64)`, `x.dtype == torch.float64`): a question MLX's float64 dtype answers, though
# computing in float64 fails on the GPU.
import numpy as np
import torch
import torch.nn as nn
from torch import float16, float32, float64


def is_float(x):
    return x.dtype in (torch.bfloat16, float16, float32, float64)


class Net(nn.Module):
    def forward(self, x):
        double = x.dtype == torch.float64
        not_double = x.dtype != float64
        return x * is_float(x) + double + 2 * not_double


def build():
    return Net()


def inputs():
    return (torch.tensor(np.random.default_rng(0).standard_normal((2, 3)), dtype=torch.float32),)
