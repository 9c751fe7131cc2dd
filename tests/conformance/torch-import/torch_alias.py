# portui-expect: manual
# (torch-import has no hunks of its own: imports are rewritten when the file is written, so the
# harness treats it as manual. The body still runs numerically by hand: see the report.)
# `import torch as T` and `import torch.nn as tnn` aliases.
import numpy as np
import torch as T
import torch.nn as tnn


class Net(tnn.Module):
    def __init__(self):
        super().__init__()
        self.fc = tnn.Linear(3, 2)

    def forward(self, x):
        return T.tanh(self.fc(x)) + T.ones(2)


def build():
    return Net()


def inputs():
    rng = np.random.default_rng(0)
    return (T.tensor(rng.standard_normal((4, 3)), dtype=T.float32),)
