# binary_cross_entropy on probabilities (MLX's default is logits: with_logits=False written) and
# with logits, as functions and modules, with every reduction.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def compute():
    rng = np.random.default_rng(2)
    logits = torch.tensor(rng.standard_normal((5, 2)) * 3, dtype=torch.float32)
    probs = torch.sigmoid(logits)
    y = torch.tensor(rng.integers(0, 2, (5, 2)), dtype=torch.float32)
    results = []
    for reduction in ["none", "mean", "sum"]:
        results.append(F.binary_cross_entropy(probs, y, reduction=reduction))
        results.append(F.binary_cross_entropy_with_logits(logits, y, reduction=reduction))
    bce = nn.BCELoss()
    bce_logits = nn.BCEWithLogitsLoss(reduction="sum")
    results += [F.binary_cross_entropy(probs, y), bce(probs, y), bce_logits(logits, y)]
    return results
