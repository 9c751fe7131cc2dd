# SGD with positional lr and momentum, Nesterov and L2 weight decay, and plain SGD with
# torch's default lr; `dampening=0` is MLX's behaviour and dropped.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(4, 3)
        self.out = nn.Linear(3, 2)


def build():
    torch.manual_seed(2)
    return Net()


def train(model, take_step):
    optimizer = torch.optim.SGD(model.parameters(), 0.1, 0.9, dampening=0, weight_decay=5e-4, nesterov=True)
    for _ in range(3):
        take_step(optimizer)
    plain = torch.optim.SGD(model.parameters())
    take_step(plain)
