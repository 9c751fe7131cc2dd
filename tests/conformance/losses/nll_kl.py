# nll_loss with torch's ignore_index (-100), class weights and (N, C, T) inputs, and kl_div
# (pointwise; 'mean' averages every element, 'batchmean' divides by the batch) with probability
# and log-probability targets; as functions and modules, with every reduction.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def compute():
    rng = np.random.default_rng(3)
    logits = torch.tensor(rng.standard_normal((6, 4)), dtype=torch.float32)
    log_probs = F.log_softmax(logits, dim=1)
    targets = torch.tensor(rng.integers(0, 4, (6,)), dtype=torch.long)
    targets[2] = -100
    weight = torch.tensor(rng.uniform(0.5, 2.0, (4,)), dtype=torch.float32)
    sequence = F.log_softmax(torch.tensor(rng.standard_normal((2, 4, 3)), dtype=torch.float32), dim=1)
    sequence_targets = torch.tensor(rng.integers(0, 4, (2, 3)), dtype=torch.long)
    q = F.softmax(torch.tensor(rng.standard_normal((6, 4)), dtype=torch.float32), dim=1)
    results = []
    for reduction in ["none", "mean", "sum"]:
        results.append(F.nll_loss(log_probs, targets, reduction=reduction))
        results.append(F.nll_loss(log_probs, targets, weight=weight, reduction=reduction))
        results.append(F.nll_loss(sequence, sequence_targets, reduction=reduction))
    for reduction in ["none", "mean", "sum", "batchmean"]:
        results.append(F.kl_div(log_probs, q, reduction=reduction))
        results.append(F.kl_div(log_probs, torch.log(q), reduction=reduction, log_target=True))
    nll = nn.NLLLoss(weight=weight)
    kl = nn.KLDivLoss(reduction="batchmean")
    results += [nll(log_probs, targets), kl(log_probs, q), F.kl_div(log_probs, q)]
    return results
