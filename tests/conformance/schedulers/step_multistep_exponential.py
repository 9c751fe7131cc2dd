# StepLR, MultiStepLR and ExponentialLR, each stepped once after each optimizer step:
# the learning rate of every update and the parameters after it match torch's.
import torch
import torch.nn as nn
from torch.optim.lr_scheduler import ExponentialLR, MultiStepLR, StepLR


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(4, 3)
        self.out = nn.Linear(3, 2)


def build():
    torch.manual_seed(4)
    return Net()


def train_step_decay(model, take_step):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = StepLR(optimizer, step_size=3, gamma=0.5)
    for _ in range(8):
        take_step(optimizer)
        scheduler.step()


def train_milestones(model, take_step):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    scheduler = MultiStepLR(optimizer, milestones=[2, 5], gamma=0.3)
    for _ in range(7):
        take_step(optimizer)
        scheduler.step()


def train_exponential(model, take_step):
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    scheduler = ExponentialLR(optimizer, 0.8)
    for _ in range(5):
        take_step(optimizer)
        scheduler.step()


def train(model, take_step):
    train_step_decay(model, take_step)
    train_milestones(model, take_step)
    train_exponential(model, take_step)
