# torch.rand/randn with shape varargs and a single int: values differ (other generator), so only
# shapes and ranges are compared.
import torch


def compute():
    a = torch.rand(2, 5)
    b = torch.rand(5)
    c = torch.randn(4)
    d = torch.randn(2, 3)
    return list(a.shape), list(b.shape), list(c.shape), list(d.shape), bool((a >= 0).all() and (a < 1).all())
