# portui-expect: manual
# A global float64 default.
import torch

torch.set_default_dtype(torch.float64)
