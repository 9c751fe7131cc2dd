# portui-expect: manual
# (torch-import has no hunks of its own: imports are rewritten when the file is written, so the
# harness treats it as manual. The body still runs numerically by hand: see the report.)
# Import styles: `from torch import nn`, `import torch.nn.functional as F`, `from torch.nn import
# functional as Fn`: all become MLX imports and the port imports no torch.
import numpy as np
import torch
from torch import nn
import torch.nn.functional as F
from torch.nn import functional as Fn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)

    def forward(self, x):
        return Fn.relu(F.silu(self.fc(x)))


def build():
    return Net()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 3)), dtype=torch.float32),)
