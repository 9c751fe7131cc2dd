# A boolean attn_mask (True = attend) and an explicit scale.
import numpy as np
import torch
import torch.nn.functional as F

TOLERANCE = 1e-4


def compute():
    rng = np.random.default_rng(0)
    q = torch.tensor(rng.standard_normal((2, 2, 4, 8)), dtype=torch.float32)
    k = torch.tensor(rng.standard_normal((2, 2, 6, 8)), dtype=torch.float32)
    v = torch.tensor(rng.standard_normal((2, 2, 6, 8)), dtype=torch.float32)
    mask = torch.tensor(rng.standard_normal((2, 1, 4, 6)) > -0.5)
    mask[..., 0] = True
    a = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    b = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=0.5)
    add = torch.tensor(rng.standard_normal((4, 6)), dtype=torch.float32)
    c = F.scaled_dot_product_attention(q, k, v, attn_mask=add)
    return a, b, c
