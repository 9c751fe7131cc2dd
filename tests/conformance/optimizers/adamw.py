# AdamW: lr → learning_rate, torch's bias correction written out (MLX's default has none),
# betas, eps and decoupled weight decay; the kernel switch `foreach` dropped. Three steps.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(4, 3)
        self.out = nn.Linear(3, 2, bias=False)


def build():
    torch.manual_seed(0)
    return Net()


def train(model, take_step):
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.01, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1, foreach=False)
    for _ in range(3):
        take_step(optimizer)
