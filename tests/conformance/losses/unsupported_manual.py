# portui-expect: manual
# What MLX's losses cannot express stays manual: MSE and L1 weights (torch's mean divides by
# the weights' sum), and smooth L1 with beta=0 (torch's is then L1; MLX divides by beta).
import torch.nn as nn
import torch.nn.functional as F


def losses(probs, y, w):
    l1_like = F.smooth_l1_loss(probs, y, beta=0.0)
    weighted_mse = F.mse_loss(probs, y, weight=w)
    weighted_l1 = F.l1_loss(probs, y, weight=w)
    return l1_like, weighted_mse, weighted_l1
