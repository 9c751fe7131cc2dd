# Same module API on locals bound to a module class (src = Net()): the receiver is a module by type, not by name.
import numpy as np
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(3, 5)
        self.b = nn.Linear(5, 2, bias=False)

    def forward(self, x):
        return self.b(torch.tanh(self.a(x)))


def compute():
    rng = np.random.default_rng(0)
    src = Net()
    dst = Net()
    sd = src.state_dict()
    dst.load_state_dict(sd)
    x = torch.tensor(rng.standard_normal((4, 3)), dtype=torch.float32)
    n = sum(p.numel() for p in dst.parameters())
    names = sorted(pn for pn, _ in dst.named_parameters())
    return (src(x) - dst(x)).abs().max().detach(), n, len(names)
