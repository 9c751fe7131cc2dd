# float16 / bfloat16 round trips via .to(dtype), .half(), .bfloat16() and dtype= keywords.
import numpy as np
import torch

TOLERANCE = 1e-2


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((3, 4)), dtype=torch.float32)
    a = x.to(torch.bfloat16)
    b = x.half()
    c = x.bfloat16()
    d = torch.zeros(2, 2, dtype=torch.bfloat16)
    return a.float(), b.float(), c.float(), d.float(), a.dtype == torch.bfloat16, b.dtype == torch.float16
