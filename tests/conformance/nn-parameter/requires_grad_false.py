# portui-expect: manual
# nn.Parameter(..., requires_grad=False): "not trained" is freeze() in MLX.
import torch.nn as nn


def frozen_table(table):
    return nn.Parameter(table, requires_grad=False)
