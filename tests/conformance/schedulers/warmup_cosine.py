# Linear warm-up then cosine decay (SequentialLR of LinearLR and CosineAnnealingLR), the usual
# transformer schedule, with AdamW; run for all T_max updates of the cosine.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(4, 3)
        self.out = nn.Linear(3, 2)


def build():
    torch.manual_seed(5)
    return Net()


def train(model, take_step):
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.1)
    warmup = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.1, total_iters=4)
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=10, eta_min=1e-4)
    scheduler = torch.optim.lr_scheduler.SequentialLR(optimizer, [warmup, cosine], milestones=[4])
    for _ in range(14):
        take_step(optimizer)
        scheduler.step()
