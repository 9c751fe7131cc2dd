# torch.device(...) objects and device = idx.device used only for placement.
import numpy as np
import torch


def positions(idx):
    device = idx.device
    b, t = idx.size()
    pos = torch.arange(0, t, dtype=torch.long, device=device)
    return pos.unsqueeze(0).expand(b, t) + idx


def compute():
    dev = torch.device("cpu")
    rng = np.random.default_rng(0)
    idx = torch.tensor(rng.integers(0, 9, (2, 5)), dtype=torch.long, device=dev)
    return positions(idx)
