# Adam with every default: torch's lr (1e-3) is written out (MLX has no default) and so is its
# bias correction; `amsgrad=False` is MLX's behaviour and dropped.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(4, 3)
        self.out = nn.Linear(3, 2)


def build():
    torch.manual_seed(1)
    return Net()


def train(model, take_step):
    optimizer = torch.optim.Adam(model.parameters(), amsgrad=False)
    for _ in range(3):
        take_step(optimizer)
