# OneCycleLR with a fixed momentum (cycle_momentum=False): cosine warm-up from max_lr / 25 and
# cosine decay, with total_steps; and a linear one with epochs * steps_per_epoch and its own
# pct_start, div_factor and final_div_factor. It ignores the optimizer's lr, as in torch.
import torch
import torch.nn as nn
from torch.optim.lr_scheduler import OneCycleLR


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(4, 3)
        self.out = nn.Linear(3, 2)


def build():
    torch.manual_seed(7)
    return Net()


def train_cosine(model, take_step):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    scheduler = OneCycleLR(optimizer, max_lr=0.1, total_steps=12, cycle_momentum=False)
    for _ in range(12):
        take_step(optimizer)
        scheduler.step()


def train_linear(model, take_step):
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    scheduler = OneCycleLR(optimizer, 0.02, epochs=3, steps_per_epoch=4, pct_start=0.25, anneal_strategy="linear",
                           cycle_momentum=False, div_factor=10, final_div_factor=100)
    for _ in range(12):
        take_step(optimizer)
        scheduler.step()


def train(model, take_step):
    train_cosine(model, take_step)
    train_linear(model, take_step)
