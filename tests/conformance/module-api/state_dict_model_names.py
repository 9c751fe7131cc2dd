# state_dict()/load_state_dict/named_parameters/parameter count on receivers named model and net.
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
    model = Net()
    net = Net()
    sd = model.state_dict()
    net.load_state_dict(sd)
    x = torch.tensor(rng.standard_normal((4, 3)), dtype=torch.float32)
    n = sum(p.numel() for p in net.parameters())
    names = sorted(pn for pn, _ in net.named_parameters())
    return (model(x) - net(x)).abs().max().detach(), n, len(names)
