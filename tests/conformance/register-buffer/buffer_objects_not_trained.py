# nn.Buffer objects are not parameters: the count of trained numbers agrees only when the port
# freezes a persistent buffer and keeps a non-persistent one out of MLX's parameter tree.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.mask = nn.Buffer(torch.tril(torch.ones(5, 5)))
        self.cache = nn.Buffer(torch.zeros(7, 2), persistent=False)

    def forward(self, x):
        return self.fc(x)


def compute():
    m = Net()
    n_params = sum(p.numel() for p in m.parameters())
    return n_params
