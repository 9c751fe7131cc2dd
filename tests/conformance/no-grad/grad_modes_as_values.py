# The gradient modes and autocast used as values rather than as `with` items or decorators: a
# context kept in a variable and entered later, `torch.no_grad(f)` wrapping a function, a
# global `torch.set_grad_enabled(False)` switched back on, an autocast context picked by a
# flag. MLX has no mode to switch, so each is a context that changes nothing.
import numpy as np
import torch


def step(weight, x):
    return torch.tanh(x @ weight)


def compute():
    rng = np.random.default_rng(0)
    model = torch.tensor(rng.standard_normal((3, 3)), dtype=torch.float32)
    x = torch.tensor(rng.standard_normal((2, 3)), dtype=torch.float32)
    evaluate = torch.no_grad(step)
    train = torch.enable_grad(step)
    frozen = torch.inference_mode()
    with frozen:
        y = evaluate(model, x)
    torch.set_grad_enabled(False)
    z = step(model, x) * 2
    torch.set_grad_enabled(True)
    toggled = torch.autograd.grad_mode.set_grad_enabled(False)
    with toggled:
        w = train(model, x) + 1
    cast = torch.autocast("cpu", enabled=False)
    with cast:
        v = (x @ model).sum()
    decorate = torch.no_grad()
    u = decorate(step)(model, x)
    return y, z, w, v, u
