# with torch.no_grad(): (body dedented), @torch.no_grad() decorator, torch.inference_mode().
import numpy as np
import torch
import torch.nn as nn


@torch.no_grad()
def generate(model, x, steps):
    for _ in range(steps):
        x = torch.tanh(model(x))
    return x


def compute():
    rng = np.random.default_rng(0)
    model = nn.Linear(3, 3)
    w = torch.tensor(rng.standard_normal((3, 3)), dtype=torch.float32)
    with torch.no_grad():
        model.weight.copy_(w)
        model.bias.zero_()
    x = torch.tensor(rng.standard_normal((2, 3)), dtype=torch.float32)
    with torch.no_grad():
        y = model(x)
        if y.sum() > 0:
            y = y * 2
    with torch.inference_mode():
        z = generate(model, x, 3)
    return y, z
