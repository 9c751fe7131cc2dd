# A torch function kept under another name (`interpolate = F.interpolate`, torchvision's
# ops/misc.py) and activation checkpointing (torch.utils.checkpoint, densenet's memory-efficient
# blocks): the alias names the MLX function with torch's parameters; checkpointing computes
# what calling the function computes.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp

interpolate = F.interpolate


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        def head(t):
            return torch.tanh(self.fc(t))

        up = interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        flat = up.reshape(up.shape[0], -1)[:, :8]
        return cp.checkpoint(head, flat, use_reentrant=False) + cp.checkpoint(self.fc, flat, use_reentrant=False)


def build():
    return Net()


def inputs():
    return (torch.tensor(np.random.default_rng(0).standard_normal((2, 2, 2, 3)), dtype=torch.float32),)
