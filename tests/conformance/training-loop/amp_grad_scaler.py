# An AMP training step (GradScaler, autocast) as written for CUDA, run with AMP disabled as on
# a CPU: the port drops the scaler and the autocast block and restructures the step around
# nn.value_and_grad. The losses and the trained weights must match torch's.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def compute():
    rng = np.random.default_rng(0)
    model = nn.Linear(4, 2)
    model.weight = nn.Parameter(torch.from_numpy(rng.standard_normal((2, 4)).astype(np.float32)))
    model.bias = nn.Parameter(torch.zeros(2))
    x = torch.from_numpy(rng.standard_normal((8, 4)).astype(np.float32))
    y = torch.from_numpy(rng.standard_normal((8, 2)).astype(np.float32))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler("cuda", enabled=False)
    losses = []
    for _ in range(3):
        with torch.autocast(device_type="cpu", enabled=False):
            loss = F.mse_loss(model(x), y)
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad()
        losses.append(loss.item())
    return losses, model.weight, model.bias
