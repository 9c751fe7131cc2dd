# Causal masking with masked_fill(mask == 0, -inf) then softmax; masked_fill_ in place.
import numpy as np
import torch
import torch.nn.functional as F


def compute():
    rng = np.random.default_rng(0)
    T = 5
    att = torch.tensor(rng.standard_normal((2, T, T)), dtype=torch.float32)
    bias = torch.tril(torch.ones(T, T)).view(1, T, T)
    att = att.masked_fill(bias[:, :T, :T] == 0, float("-inf"))
    p = F.softmax(att, dim=-1)
    y = torch.tensor(rng.standard_normal((3, 4)), dtype=torch.float32)
    y.masked_fill_(y > 0.5, 0.0)
    return att, p, y
