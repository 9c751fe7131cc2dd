# portui-expect: manual
# The classic step: zero_grad / backward / clip_grad_norm_ / step, and an AdamW optimizer.
import torch


def make_optimizer(model):
    return torch.optim.AdamW(model.parameters(), lr=3e-4, betas=(0.9, 0.95), weight_decay=0.1)


def train_step(model, optimizer, x, y):
    optimizer.zero_grad(set_to_none=True)
    loss = model(x, y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    return loss
