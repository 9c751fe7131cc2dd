# F.pad of a feature map with a padding computed at run time and with a reflect mode (ta-
# wavernn, tcn causal padding): the shim orders torch's last-axis-first pairs for channels-last.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

TOLERANCE = 1e-4


class Causal(nn.Module):
    def __init__(self, c=4, k=3, dilation=2):
        super().__init__()
        self.left = (k - 1) * dilation
        self.conv = nn.Conv1d(c, c, k, dilation=dilation)

    def forward(self, x):
        h = F.pad(x, (self.left, 0))
        h = F.pad(torch.tanh(self.conv(h)), [1, 1], mode="reflect")
        return h


def build():
    return Causal()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 4, 9)), dtype=torch.float32),)
