# A model cast as a whole (`model.half()`, `model.to(torch.bfloat16)`, `.float()`): MLX modules
# have no half/float/to, and their set_dtype returns None, so the port casts through
# portui_shims.to, which casts the module's floating-point arrays in place and returns it.
import numpy as np
import torch
import torch.nn as nn

TOLERANCE = 1e-2


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(3, 3)

    def forward(self, x):
        return torch.tanh(self.proj(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = Block()
        self.head = nn.Linear(3, 1)

    def forward(self, x):
        # Rounded through float16 and back: both frameworks round to nearest even.
        body = self.body.half()
        y = body(x.half()).float()
        self.body.float()
        self.head.to(torch.bfloat16)
        out = self.head(y.to(torch.bfloat16))
        self.head.to(dtype=torch.float32)
        return out.float() + self.body(x)


def build():
    return Net()


def inputs():
    return (torch.tensor(np.random.default_rng(0).standard_normal((4, 3)), dtype=torch.float32),)
