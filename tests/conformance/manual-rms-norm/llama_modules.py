# RMSNorm modules as LLaMA-family code writes them: the upcast and weight in one expression,
# the weight on the left, the weight applied after a helper that casts back, and no weight.
import numpy as np
import torch
import torch.nn as nn


class UpcastRMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return (x.float() * torch.rsqrt(x.float().pow(2).mean(-1, keepdim=True) + self.eps)).type_as(x) * self.weight


class LeftWeightRMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(torch.mean(x * x, dim=-1, keepdim=True) + self.eps))


class HelperRMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def _norm(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)

    def forward(self, x):
        output = self._norm(x.float()).type_as(x)
        return output * self.weight


class CastBackNorm(nn.Module):
    def __init__(self, eps=1e-6):
        super().__init__()
        self.eps = eps

    def forward(self, x):
        return (x.float() * torch.rsqrt(torch.pow(x.float(), 2).mean(-1, keepdim=True) + self.eps)).to(x.dtype)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = UpcastRMSNorm(32)
        self.b = LeftWeightRMSNorm(32)
        self.c = HelperRMSNorm(32)
        self.d = CastBackNorm()

    def forward(self, x):
        return self.a(x), self.b(x * 2 + 1), self.c(x - 0.5), self.d(x * 3)


def build():
    m = Net()
    rng = np.random.default_rng(1)
    with torch.no_grad():
        for norm in (m.a, m.b, m.c):
            norm.weight.copy_(torch.tensor(rng.standard_normal(32), dtype=torch.float32))
    return m


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 5, 32)), dtype=torch.float32),)
