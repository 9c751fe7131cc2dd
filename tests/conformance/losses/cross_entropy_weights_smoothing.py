# cross_entropy with class weights, label smoothing (alone and with weights), ignored targets,
# probability targets, and the CrossEntropyLoss module, with every reduction.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def compute():
    rng = np.random.default_rng(4)
    logits = torch.tensor(rng.standard_normal((6, 5)), dtype=torch.float32)
    targets = torch.tensor(rng.integers(0, 5, (6,)), dtype=torch.long)
    targets[1] = -100
    weight = torch.tensor(rng.uniform(0.5, 2.0, (5,)), dtype=torch.float32)
    soft = F.softmax(torch.tensor(rng.standard_normal((6, 5)), dtype=torch.float32), dim=1)
    results = []
    for reduction in ["none", "mean", "sum"]:
        results.append(F.cross_entropy(logits, targets, weight, reduction=reduction))
        results.append(F.cross_entropy(logits, targets, reduction=reduction, label_smoothing=0.1))
        results.append(F.cross_entropy(logits, targets, weight=weight, reduction=reduction, label_smoothing=0.2))
        results.append(F.cross_entropy(logits, soft, reduction=reduction, label_smoothing=0.1))
    criterion = nn.CrossEntropyLoss(ignore_index=3, label_smoothing=0.05)
    results.append(criterion(logits, targets.clamp(0, 4)))
    results.append(nn.CrossEntropyLoss()(logits, targets))
    return results
