# LambdaLR with a warm-up lambda, and LinearLR with torch's defaults (start_factor 1/3 over 5
# steps), stepped after the optimizer inside a gradient-accumulation `if`.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(4, 3)
        self.out = nn.Linear(3, 2)


def build():
    torch.manual_seed(6)
    return Net()


def train_lambda(model, take_step):
    warmup_steps = 3
    optimizer = torch.optim.SGD(model.parameters(), lr=0.2)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / warmup_steps) * 0.9 ** step)
    for _ in range(6):
        take_step(optimizer)
        scheduler.step()


def train_linear(model, take_step):
    optimizer = torch.optim.RMSprop(model.parameters(), lr=0.01)
    scheduler = torch.optim.lr_scheduler.LinearLR(optimizer)
    for micro_step in range(14):
        if micro_step % 2 == 1:
            take_step(optimizer)
            scheduler.step()


def train(model, take_step):
    train_lambda(model, take_step)
    train_linear(model, take_step)
