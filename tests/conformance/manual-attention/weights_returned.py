# portui-expect: manual
# The attention weights are returned beside the output: the fused kernel does not compute them,
# so this manual path has to stay.
import math

import torch
import torch.nn.functional as F


def attention(q, k, v):
    att = (q @ k.transpose(-2, -1)) / math.sqrt(k.size(-1))
    att = F.softmax(att, dim=-1)
    y = att @ v
    return y, att
