# portui-expect: manual
# A training script ported half-way by hand: mx.eval inside the compiled step, the loss
# function given to nn.value_and_grad and the model's __call__. Each is an error to report;
# the eval at the end of the iteration is where it belongs.
from functools import partial

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim
import torch


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(4, 1)

    def __call__(self, x):
        out = self.layer(x)
        mx.eval(out)
        return out


model = Net()
optimizer = optim.SGD(learning_rate=0.1)
state = [model.state, optimizer.state]


def loss_fn(model, x, y):
    loss = ((model(x) - y) ** 2).mean()
    mx.eval(loss)
    return loss


loss_and_grad = nn.value_and_grad(model, loss_fn)


@partial(mx.compile, inputs=state, outputs=state)
def step(x, y):
    loss, grads = loss_and_grad(model, x, y)
    optimizer.update(model, grads)
    mx.eval(loss)
    return loss


def train(batches):
    torch.manual_seed(0)
    for x, y in batches:
        loss = step(x, y)
        mx.eval(model.parameters(), optimizer.state)
        print(loss.item())
