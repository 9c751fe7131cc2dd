# torch.multinomial takes probabilities: a one-hot distribution makes the sample deterministic.
import numpy as np
import torch
import torch.nn.functional as F


def compute():
    rng = np.random.default_rng(0)
    probs = torch.tensor(np.eye(6)[[4, 1, 5]], dtype=torch.float32)
    idx = torch.multinomial(probs, num_samples=1)
    logits = torch.tensor(np.where(np.eye(5)[[2, 0]] > 0, 10.0, -30.0), dtype=torch.float32)
    p = F.softmax(logits, dim=-1)
    idx2 = torch.multinomial(p, 1)
    return idx, idx2
