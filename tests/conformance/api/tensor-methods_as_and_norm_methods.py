# view_as / reshape_as / expand_as / type_as, norm(dim), log_softmax(dim), index_select,
# tril / triu(diagonal=), view with a starred shape.
import numpy as np
import torch


def compute():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((3, 4)), dtype=torch.float32)
    y = torch.tensor(rng.standard_normal((4, 3)), dtype=torch.float32)
    idx = torch.tensor([2, 0], dtype=torch.long)
    z = torch.tensor(rng.standard_normal((2, 3, 4)), dtype=torch.float32)
    return (x.view_as(y), x.reshape_as(y), x[:1].expand_as(x), x.type_as(idx),
            x.norm(dim=-1), x.log_softmax(-1), x.index_select(0, idx), x.tril(), x.triu(diagonal=1),
            z.view(-1, *z.shape[2:]))
