# F.pad on 3-D and 4-D non-conv tensors: the flat tuple runs from the LAST axis backwards.
import numpy as np
import torch
import torch.nn.functional as F


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((2, 3, 4)), dtype=torch.float32)
    y = torch.tensor(rng.standard_normal((1, 2, 3, 4)), dtype=torch.float32)
    return (F.pad(x, (1, 2)), F.pad(x, (0, 0, 2, 1)), F.pad(y, (1, 0, 0, 2), value=-1.0),
            F.pad(y, (1, 1, 1, 1, 1, 0)))
