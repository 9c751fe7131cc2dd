# is_causal=True with query length < key length (kv cache): torch aligns the mask top-left.
import numpy as np
import torch
import torch.nn.functional as F

TOLERANCE = 1e-4


def compute():
    rng = np.random.default_rng(0)
    q = torch.tensor(rng.standard_normal((1, 2, 3, 8)), dtype=torch.float32)
    k = torch.tensor(rng.standard_normal((1, 2, 7, 8)), dtype=torch.float32)
    v = torch.tensor(rng.standard_normal((1, 2, 7, 8)), dtype=torch.float32)
    return F.scaled_dot_product_attention(q, k, v, is_causal=True)
