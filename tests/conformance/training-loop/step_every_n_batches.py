# portui-expect: manual
# Gradient accumulation by condition: backward every batch, step every `accum` batches. The
# step sits under an `if`, so portui gives a template instead of a rewrite; the rest ports.
import torch
import torch.nn.functional as F


def train(model, batches, accum=4):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for i, (x, y) in enumerate(batches):
        loss = F.mse_loss(model(x), y) / accum
        loss.backward()
        if (i + 1) % accum == 0:
            optimizer.step()
            optimizer.zero_grad()
    return loss.item()
