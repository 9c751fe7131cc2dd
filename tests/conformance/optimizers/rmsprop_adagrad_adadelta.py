# RMSprop (torch's lr 1e-2 written out, alpha), Adagrad (torch's eps 1e-10 written out: MLX's is
# 1e-8) and Adadelta (→ optim.AdaDelta, torch's lr 1.0 written out), each for three steps.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(4, 3)
        self.out = nn.Linear(3, 2)


def build():
    torch.manual_seed(3)
    return Net()


def train(model, take_step):
    rmsprop = torch.optim.RMSprop(model.parameters(), alpha=0.9)
    for _ in range(3):
        take_step(rmsprop)
    adagrad = torch.optim.Adagrad(model.parameters(), lr=0.05)
    for _ in range(3):
        take_step(adagrad)
    adadelta = torch.optim.Adadelta(model.parameters(), rho=0.8)
    for _ in range(3):
        take_step(adadelta)
