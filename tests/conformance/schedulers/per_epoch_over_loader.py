# StepLR stepped once per epoch while SGD steps once per batch of a loader: the schedule
# counts epochs as updates // len(loader), so the learning rate of every update matches.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(4, 3)
        self.out = nn.Linear(3, 2)


def build():
    torch.manual_seed(7)
    return Net()


def train(model, take_step):
    loader = [(0, 1), (2, 3), (4, 5)]
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    for epoch in range(5):
        for x, y in loader:
            take_step(optimizer)
        scheduler.step()
