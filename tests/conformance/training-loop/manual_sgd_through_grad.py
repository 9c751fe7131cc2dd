# portui-expect: manual
# Hand-written SGD through param.grad and param.data: there is no optimizer step to replace.
import torch


def train(model, x, y, lr=0.01):
    for _ in range(10):
        model.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p.data -= lr * p.grad
    return loss
