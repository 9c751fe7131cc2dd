# MSE, L1 and smooth L1 (torch's beta 1 and beta 0.5), as functions and as modules, with every
# reduction: MLX's reduction is written out.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def compute():
    rng = np.random.default_rng(1)
    pred = torch.tensor(rng.standard_normal((4, 3)), dtype=torch.float32)
    y = torch.tensor(rng.standard_normal((4, 3)), dtype=torch.float32)
    results = []
    for reduction in ["none", "mean", "sum"]:
        results.append(F.mse_loss(pred, y, reduction=reduction))
        results.append(F.l1_loss(pred, y, reduction=reduction))
        results.append(F.smooth_l1_loss(pred, y, reduction=reduction))
        results.append(F.smooth_l1_loss(pred, y, reduction=reduction, beta=0.5))
    mse = nn.MSELoss()
    l1 = nn.L1Loss(reduction="sum")
    smooth = nn.SmoothL1Loss(beta=0.25)
    results += [F.mse_loss(pred, y), mse(pred, y), l1(pred, y), smooth(pred, y), nn.MSELoss(reduction="none")(pred, y)]
    return results
