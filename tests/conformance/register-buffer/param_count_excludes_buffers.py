# nanoGPT's get_num_params: buffers are not parameters in torch; in MLX a persistent buffer must be
# frozen (and a non-persistent one out of the tree) for the count to agree.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.register_buffer("mask", torch.tril(torch.ones(5, 5)))
        self.register_buffer("cache", torch.zeros(7, 2), persistent=False)

    def forward(self, x):
        return self.fc(x)


def compute():
    m = Net()
    n_params = sum(p.numel() for p in m.parameters())
    return n_params
