# Initialisers of plain names, and initialisers whose result is kept: a weight built as a local
# tensor and filled in place (a module's attribute holding the same tensor sees it), and
# `w = nn.init.orthogonal_(...)`. Random values differ between frameworks, so spreads and the
# defining properties are compared (orthogonal rows, the identity, constants exactly).
import math

import torch
import torch.nn as nn

TOLERANCE = 0.03


class Holder(nn.Module):
    def __init__(self, weight):
        super().__init__()
        self.weight = weight


def compute():
    torch.manual_seed(0)
    w = torch.empty(256, 512)
    holder = Holder(w)
    spreads = {}
    nn.init.xavier_uniform_(w, gain=2.0)
    spreads["xavier_uniform"] = holder.weight.std().item() / (2.0 * math.sqrt(2.0 / 768))
    nn.init.xavier_normal_(w)
    spreads["xavier_normal"] = w.std().item() / math.sqrt(2.0 / 768)
    nn.init.kaiming_uniform_(w, a=math.sqrt(5))
    spreads["kaiming_uniform"] = w.std().item() / (math.sqrt(2.0 / 6.0) / math.sqrt(512))
    nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    spreads["kaiming_normal"] = w.std().item() / math.sqrt(2.0 / 256)
    nn.init.normal_(w, 1.0, 0.5)
    spreads["normal"] = (w.mean().item(), w.std().item())
    nn.init.uniform_(w, -3.0, 1.0)
    spreads["uniform"] = (w.mean().item(), w.min().item() >= -3.0, w.max().item() <= 1.0)
    nn.init.trunc_normal_(w, std=0.5, a=-1.0, b=1.0)
    spreads["trunc_normal"] = (w.min().item() >= -1.0, w.max().item() <= 1.0)
    filled = []
    nn.init.constant_(w, 0.25)
    filled.append(holder.weight.sum().item())
    nn.init.ones_(w)
    filled.append(w.sum().item())
    nn.init.zeros_(w)
    filled.append(holder.weight.abs().sum().item())
    square = torch.empty(3, 5)
    nn.init.eye_(square)
    kept = nn.init.orthogonal_(holder.weight, gain=2.0)
    gram = (kept[:8] @ kept[:8].T) / 4.0
    wide = torch.empty(4, 2, 3)
    nn.init.orthogonal_(wide)
    flat = wide.reshape(4, 6)
    return spreads, filled, square, gram, flat @ flat.T, kept is holder.weight
