# x-transformers picks a context class and enters it later
# (`context = nullcontext if last_step else torch.no_grad`, then `with context():`): the
# class as a value becomes portui_shims.grad_mode, a context that changes nothing.
from contextlib import nullcontext

import numpy as np
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 3)

    def forward(self, x):
        for last in (False, True):
            context = nullcontext if last else torch.no_grad
            with context():
                x = torch.tanh(self.lin(x))
        return x


def build():
    return Net()


def inputs():
    return (torch.tensor(np.random.default_rng(0).standard_normal((4, 3)), dtype=torch.float32),)
