# portui-expect: manual
# An LR scheduler and a DataLoader: no MLX counterpart objects.
import torch
from torch.utils.data import DataLoader


def make(dataset, optimizer):
    loader = DataLoader(dataset, batch_size=8, shuffle=True)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=100)
    return loader, sched
