# Creation ops with shape varargs and tuples, dtype keywords, arange/linspace/eye/*_like.
import numpy as np
import torch


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((2, 3)), dtype=torch.float32)
    return (torch.zeros(2, 3), torch.ones(2, 3, 4, dtype=torch.int32), torch.zeros((3,)),
            torch.arange(5), torch.arange(1, 10, 2),
            torch.linspace(0, 1, 5), torch.eye(3), torch.zeros_like(x), torch.ones_like(x),
            torch.empty(2, 3).shape, torch.tril(torch.ones(4, 4)))
