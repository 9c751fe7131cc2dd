# torch.fx's tracing marks (torchvision's stochastic_depth, timm's layers): `torch.fx.wrap("f")`
# at module level and `@torch.fx.wrap` change nothing computed, and are removed.
import numpy as np
import torch
import torch.fx


@torch.fx.wrap
def scaled(x, p: float):
    return x * (1 - p)


def shifted(x):
    return x + 1


torch.fx.wrap("shifted")


def compute():
    x = torch.tensor(np.random.default_rng(0).standard_normal((3, 4)), dtype=torch.float32)
    return scaled(shifted(x), 0.25)
