# F.* pooling in a module with convolutions: its feature maps are channels-last once ported, so
# max/avg pools become MLX's pooling layers on them, an adaptive pool to 2x2 portui's layer
# with torch's bins, and the global pool the channels-last rule's mean. inputs() is NCHW.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 2 * 2, 3)

    def forward(self, x):
        out = F.relu(self.conv(x))                      # (N, 4, 9, 9)
        a = F.max_pool2d(out, 3, stride=2, padding=1)   # (N, 4, 5, 5)
        b = F.avg_pool2d(a, kernel_size=2, stride=1)    # (N, 4, 4, 4)
        c = F.adaptive_avg_pool2d(out, (2, 2))          # (N, 4, 2, 2), uneven bins of 9
        g = F.adaptive_avg_pool2d(b, 1)                 # (N, 4, 1, 1)
        c = c.view(c.size(0), -1)
        return self.fc(c) + b.mean() + g.view(g.size(0), -1).sum(1, keepdim=True)


def build():
    return Net()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 3, 9, 9)), dtype=torch.float32),)
