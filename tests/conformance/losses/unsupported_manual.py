# portui-expect: manual
# What MLX's losses cannot express stays manual: BCE pos_weight, BCE and MSE weights, the legacy
# size_average argument, and smooth L1 with beta=0 (torch's is then L1; MLX divides by beta).
import torch.nn as nn
import torch.nn.functional as F


def losses(logits, probs, y, w):
    with_pos = F.binary_cross_entropy_with_logits(logits, y, pos_weight=w)
    weighted = F.binary_cross_entropy(probs, y, weight=w)
    legacy = nn.MSELoss(size_average=False)
    l1_like = F.smooth_l1_loss(probs, y, beta=0.0)
    weighted_mse = F.mse_loss(probs, y, weight=w)
    return with_pos, weighted, legacy, l1_like, weighted_mse
