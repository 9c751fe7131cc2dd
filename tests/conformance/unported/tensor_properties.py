# portui-expect: manual
# Tensor attributes MLX arrays lack, read or set (`p.grad`, `p.requires_grad = False`,
# `x.is_leaf`): each fails at run time with AttributeError, so each is named, on a known tensor
# and on a receiver that may be one.
import torch


def freeze(parameters):
    for p in parameters:
        p.requires_grad = False


def gradient_norm(parameters):
    return sum(p.grad.norm() for p in parameters if p.grad is not None)


def leaf_and_conjugate():
    x = torch.zeros(3, 4)
    return x.is_leaf, x.H
