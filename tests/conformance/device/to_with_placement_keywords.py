# `.to(dtype_variable, non_blocking=True)` and `.to(..., memory_format=torch.contiguous_format)`
# (transformers' attention outputs, timm's loaders): the keywords mean nothing for an MLX
# array and go with the call; the cast stays.
import numpy as np
import torch


def compute():
    x = torch.from_numpy(np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4))
    target = torch.float16
    y = x.to(target, non_blocking=True)
    z = (x * 2).to(target, memory_format=torch.contiguous_format)
    return y.float() + z.float()
