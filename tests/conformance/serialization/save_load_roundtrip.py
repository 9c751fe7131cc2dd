# torch.save(model.state_dict(), path) / model.load_state_dict(torch.load(path)) in a temp dir.
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(3, 4)
        self.b = nn.Linear(4, 2)

    def forward(self, x):
        return self.b(torch.tanh(self.a(x)))


def compute():
    rng = np.random.default_rng(0)
    model = Net()
    x = torch.tensor(rng.standard_normal((5, 3)), dtype=torch.float32)
    with tempfile.TemporaryDirectory() as d:
        torch.save(model.state_dict(), os.path.join(d, "ckpt.pt"))
        torch.save(model.state_dict(), "/tmp/portui_conformance_model.pt")
        model2 = Net()
        model2.load_state_dict(torch.load(os.path.join(d, "ckpt.pt")))
        model3 = Net()
        model3.load_state_dict(torch.load("/tmp/portui_conformance_model.pt"))
    return (model(x) - model2(x)).abs().max().detach(), (model(x) - model3(x)).abs().max().detach()
