# nanoGPT-style computed path: torch.save(model.state_dict(), os.path.join(out_dir, "ckpt.pt")) into a
# temp dir, loaded into a fresh model.
# Random init differs between frameworks: the round trip is checked by the difference (0) and shape.
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(3, 4)

    def forward(self, x):
        return torch.tanh(self.a(x))


def compute():
    rng = np.random.default_rng(0)
    model = Net()
    x = torch.tensor(rng.standard_normal((5, 3)), dtype=torch.float32)
    with tempfile.TemporaryDirectory() as out_dir:
        torch.save(model.state_dict(), os.path.join(out_dir, "ckpt.pt"))
        model2 = Net()
        model2.load_state_dict(torch.load(os.path.join(out_dir, "ckpt.pt")))
    return (model(x) - model2(x)).abs().max().detach(), list(model2(x).shape)
