# portui-expect: manual
# (torch-import has no hunks of its own: imports are rewritten when the file is written.)
# torch left only in a helper the computation never calls (pretrained weights from a URL): the
# import moves into that helper, so the module imports and runs without torch.
import numpy as np
import torch
import torch.nn as nn
from torch.utils import model_zoo


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)

    def forward(self, x):
        return torch.relu(self.fc(x))


def pretrained(url):
    """The published weights."""
    model = Net()
    model.load_state_dict(model_zoo.load_url(url, progress=False))
    return model


def compute():
    rng = np.random.default_rng(0)
    net = Net()
    with torch.no_grad():
        net.fc.weight.copy_(torch.tensor(rng.standard_normal((2, 3)), dtype=torch.float32))
        net.fc.bias.fill_(0.1)
    return net(torch.tensor(rng.standard_normal((4, 3)), dtype=torch.float32))
