# portui-expect: manual
# An initialiser without an MLX counterpart (trunc_normal_, orthogonal_) is reported, not rewritten.
import torch.nn as nn


def init_weight(w):
    nn.init.trunc_normal_(w, std=0.02)
    nn.init.orthogonal_(w)
