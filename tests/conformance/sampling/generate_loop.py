# nanoGPT generate: crop, temperature, top-k threshold, softmax, multinomial, cat on dim=1. Logits are
# peaked (gap 40) so sampling is deterministic in both frameworks.
import numpy as np
import torch
import torch.nn.functional as F


def fake_model(idx, table):
    return table[idx]  # (B, T, V) logits: row per token


@torch.no_grad()
def generate(idx, table, max_new_tokens, temperature=1.0, top_k=None):
    for _ in range(max_new_tokens):
        idx_cond = idx if idx.size(1) <= 8 else idx[:, -8:]
        logits = fake_model(idx_cond, table)
        logits = logits[:, -1, :] / temperature
        if top_k is not None:
            v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
            logits[logits < v[:, [-1]]] = -float("Inf")
        probs = F.softmax(logits, dim=-1)
        idx_next = torch.multinomial(probs, num_samples=1)
        idx = torch.cat((idx, idx_next), dim=1)
    return idx


def compute():
    rng = np.random.default_rng(0)
    V = 7
    nxt = rng.permutation(V)
    table = torch.tensor(np.where(np.eye(V)[nxt] > 0, 40.0, 0.0) + rng.standard_normal((V, V)), dtype=torch.float32)
    idx = torch.tensor([[1, 2], [3, 0]], dtype=torch.long)
    return generate(idx, table, 10, temperature=0.8, top_k=3)
