# .to(device), .cuda() guarded by torch.cuda.is_available(), device= kwargs, .cpu(), x.device reads.
import numpy as np
import torch
import torch.nn as nn


def compute():
    device = "cuda" if torch.cuda.is_available() else "cpu"
    rng = np.random.default_rng(0)
    model = nn.Linear(3, 2)
    with torch.no_grad():
        model.weight.copy_(torch.tensor(rng.standard_normal((2, 3)), dtype=torch.float32))
        model.bias.fill_(0.5)
    model.to(device)
    x = torch.tensor(rng.standard_normal((4, 3)), dtype=torch.float32).to(device)
    if torch.cuda.is_available():
        x = x.cuda()
    pos = torch.arange(0, 4, dtype=torch.long, device=device)
    z = torch.zeros(4, 2, device=x.device)
    y = model(x) + z + pos.unsqueeze(1)
    return y.detach().cpu(), x.to(torch.float16).float()
