# torch.save(model.state_dict(), "...pt") / model.load_state_dict(torch.load("...pt")) with a literal path.
# Random init differs between frameworks: the round trip is checked by the difference (0) and shape.
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
    torch.save(model.state_dict(), "/tmp/portui_conformance_model.pt")
    model2 = Net()
    model2.load_state_dict(torch.load("/tmp/portui_conformance_model.pt"))
    return (model(x) - model2(x)).abs().max().detach(), list(model2(x).shape)
