# F.* activations: relu, gelu (exact and tanh), silu, sigmoid, tanh, softmax/log_softmax(dim), leaky_relu, softplus, elu.
import numpy as np
import torch
import torch.nn.functional as F


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((3, 5)) * 2, dtype=torch.float32)
    return (F.relu(x), F.gelu(x), F.gelu(x, approximate="tanh"), F.silu(x), F.sigmoid(x),
            F.tanh(x), F.softmax(x, dim=-1), F.log_softmax(x, dim=1), F.leaky_relu(x, 0.1),
            F.softplus(x), F.elu(x))
