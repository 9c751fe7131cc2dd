# torch.manual_seed + random draws: values differ across frameworks, shapes and ranges must not.
import torch


def compute():
    torch.manual_seed(1337)
    a = torch.randn(3, 4)
    b = torch.rand((2, 5))
    c = torch.randint(0, 7, (6,))
    return (list(a.shape), list(b.shape), list(c.shape), bool((b >= 0).all() and (b < 1).all()),
            bool((c >= 0).all() and (c < 7).all()))
