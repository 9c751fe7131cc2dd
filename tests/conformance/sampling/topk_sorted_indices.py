# torch.topk returns sorted values AND indices; the k-th largest threshold v[:, [-1]].
import numpy as np
import torch


def compute():
    rng = np.random.default_rng(0)
    logits = torch.tensor(rng.standard_normal((3, 10)), dtype=torch.float32)
    v, i = torch.topk(logits, 4)
    v2, _ = torch.topk(logits, 3, dim=-1)
    masked = logits.clone()
    masked[masked < v2[:, [-1]]] = -float("Inf")
    vals, idx = logits.topk(2)
    return v, i, v2, masked, vals, idx
