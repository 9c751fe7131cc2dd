# DataLoader with shuffle=True: the order comes from each framework's own generator, so it
# cannot match torch's. What must match: every sample exactly once per epoch, rows kept with
# their labels, the same batch sizes, and a new order each epoch (both loaders reshuffle).
import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset


def compute():
    torch.manual_seed(0)
    ids = torch.arange(10)
    x = torch.from_numpy(np.arange(40, dtype=np.float32).reshape(10, 4))
    loader = DataLoader(TensorDataset(x, ids), batch_size=4, shuffle=True)
    epochs = []
    orders = []
    for _ in range(3):
        seen = []
        sizes = []
        rows_match = []
        for xb, ib in loader:
            sizes.append(float(ib.shape[0]))
            rows_match.append(float((xb[:, 0] == ib * 4).all()))
            seen.extend(ib.tolist())
        orders.append(seen)
        epochs.append(sorted(seen) + sizes + rows_match)
    reshuffled = float(orders[0] != orders[1] or orders[1] != orders[2])
    return epochs + [reshuffled]
