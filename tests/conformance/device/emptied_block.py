# Every statement of a block is device placement: the block keeps a `pass`.
import numpy as np
import torch


def move(x, use_cuda):
    if use_cuda:
        x = x.cuda()
        torch.cuda.manual_seed(0)
    return x * 2


def compute():
    x = torch.tensor(np.random.default_rng(0).standard_normal((2, 3)), dtype=torch.float32)
    return move(x, False)
