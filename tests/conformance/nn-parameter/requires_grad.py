# nn.Parameter(t, requires_grad=g) (rotary-embedding-torch's learned_freq): the array, frozen
# when g is false, so training leaves it alone as torch does.
import numpy as np
import torch
import torch.nn as nn


class Scaled(nn.Module):
    def __init__(self, learned):
        super().__init__()
        rng = np.random.default_rng(0)
        self.freqs = nn.Parameter(torch.tensor(rng.standard_normal(3), dtype=torch.float32), requires_grad = learned)
        self.gain = nn.Parameter(torch.ones(3), requires_grad=False)
        self.shift = nn.Parameter(torch.zeros(3), requires_grad=True)

    def forward(self, x):
        return x * self.freqs * self.gain + self.shift


def compute():
    x = torch.ones(2, 3)
    fixed, learned = Scaled(False), Scaled(True)
    return fixed(x), learned(x)
