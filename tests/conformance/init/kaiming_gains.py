# kaiming_uniform_/kaiming_normal_ of module weights with torch's other nonlinearities, a
# non-zero `a` and positional arguments (torchvision's MNASNet: mode="fan_out",
# nonlinearity="sigmoid"; torch's own Linear init: a=math.sqrt(5)). MLX's he_* default to gain
# 1, so torch's gain is written out. Random values differ between frameworks: the spreads are
# compared with torch's formula, std = gain / sqrt(fan).
import math

import torch
import torch.nn as nn

TOLERANCE = 0.03


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(512, 256)


def compute():
    torch.manual_seed(0)
    net = Net()
    spreads = {}
    nn.init.kaiming_uniform_(net.proj.weight, mode="fan_out", nonlinearity="sigmoid")
    spreads["sigmoid_fan_out"] = net.proj.weight.std().item() * math.sqrt(256)
    nn.init.kaiming_uniform_(net.proj.weight, a=math.sqrt(5))
    spreads["leaky_a"] = net.proj.weight.std().item() * math.sqrt(512) / math.sqrt(2.0 / 6.0)
    nn.init.kaiming_normal_(net.proj.weight, 0.1, "fan_in", "leaky_relu")
    spreads["positional"] = net.proj.weight.std().item() * math.sqrt(512) / math.sqrt(2.0 / 1.01)
    nn.init.kaiming_normal_(net.proj.weight, nonlinearity="tanh")
    spreads["tanh"] = net.proj.weight.std().item() * math.sqrt(512) / (5.0 / 3)
    nn.init.kaiming_uniform_(net.proj.weight, nonlinearity="selu")
    spreads["selu"] = net.proj.weight.std().item() * math.sqrt(512) / 0.75
    return spreads
