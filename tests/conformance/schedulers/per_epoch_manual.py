# portui-expect: manual
# A scheduler stepped per epoch while the optimizer steps a counted number of times (no loader
# to take the length of), one read for logging, one
# built away from its optimizer, OneCycleLR (it cycles momentum) and a hand-set learning rate.
import torch


def train(model, steps_per_epoch, epochs):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.1)
    for epoch in range(epochs):
        for step in range(steps_per_epoch):
            optimizer.step()
        scheduler.step()


def train_logged(model, loader):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.9)
    for x, y in loader:
        optimizer.step()
        scheduler.step()
        print(scheduler.get_last_lr())


def attach(optimizer, total):
    return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total)


def one_cycle(model):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=100)
