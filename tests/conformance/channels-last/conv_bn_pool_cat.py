# A small CNN: Conv2d + BatchNorm2d + max/avg pooling + F.pad + x.size(1) + torch.cat(dim=1) +
# flatten into a Linear. inputs() is NCHW (torch's layout); the port is channels-last.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

TOLERANCE = 1e-4


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
        self.conv2 = nn.Conv2d(4, 4, 3, padding=1, bias=False)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(8 * 3 * 3, 5)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.pool(out)                      # (N, 4, 3, 3)
        side = self.conv2(out)
        out = torch.cat([out, side], dim=1)       # (N, 8, 3, 3)
        assert out.size(1) == 8
        padded = F.pad(out, (0, 1, 0, 1))         # (N, 8, 4, 4)
        pooled = F.avg_pool2d(padded, 2)          # (N, 8, 2, 2)
        g = F.avg_pool2d(out, out.size()[3])      # (N, 8, 1, 1) global pool
        out = out.view(out.size(0), -1)
        return self.fc(out) + pooled.mean() + g.view(g.size(0), -1).sum(1, keepdim=True)


def build():
    m = Net()
    with torch.no_grad():
        m.bn1.running_mean.copy_(torch.tensor([0.1, -0.2, 0.3, 0.0]))
        m.bn1.running_var.copy_(torch.tensor([1.5, 0.5, 2.0, 1.0]))
    return m


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 3, 6, 6)), dtype=torch.float32),)
