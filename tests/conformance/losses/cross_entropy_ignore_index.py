# F.cross_entropy: mean reduction, ignore_index=-1 (nanoGPT) and the default -100, sum reduction.
import numpy as np
import torch
import torch.nn.functional as F


def compute():
    rng = np.random.default_rng(0)
    logits = torch.tensor(rng.standard_normal((2, 6, 7)), dtype=torch.float32)
    targets = torch.tensor(rng.integers(0, 7, (2, 6)), dtype=torch.long)
    targets[0, 1] = -1
    targets[1, 4] = -1
    loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
    t2 = torch.tensor(rng.integers(0, 7, (12,)), dtype=torch.long)
    t2[3] = -100
    loss2 = F.cross_entropy(logits.view(-1, 7), t2)
    loss3 = F.cross_entropy(logits.view(-1, 7), t2.clamp(0, 6), reduction="sum")
    return loss, loss2, loss3
