# torch._C._log_api_usage_once in a constructor (torchvision's models): torch's usage telemetry,
# removed, so it does not keep torch imported.
import numpy as np
import torch
import torch.nn as nn


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        torch._C._log_api_usage_once(f"{self.__module__}.{type(self).__name__}")
        self.proj = nn.Linear(3, 2)

    def forward(self, x):
        return self.proj(x)


def compute():
    rng = np.random.default_rng(0)
    head = Head()
    with torch.no_grad():
        head.proj.weight.copy_(torch.tensor(rng.standard_normal((2, 3)), dtype=torch.float32))
        head.proj.bias.fill_(0.25)
    return head(torch.tensor(rng.standard_normal((4, 3)), dtype=torch.float32))
