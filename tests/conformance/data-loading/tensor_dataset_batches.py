# DataLoader over a TensorDataset (no shuffle: the order must match torch's) and over a
# map-style Dataset subclass with the default collate: same batches, same sizes, the last
# partial batch kept or dropped as torch does.
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, TensorDataset


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return torch.full((3,), float(i)) ** 2, i


def compute():
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.standard_normal((10, 4)).astype(np.float32))
    y = torch.from_numpy(rng.integers(0, 3, size=10))
    loader = DataLoader(TensorDataset(x, y), batch_size=4, shuffle=False, num_workers=0)
    sums = [xb.sum(0) * 1.0 + yb.sum() for xb, yb in loader]
    squares = DataLoader(Squares(7), batch_size=3, drop_last=True)
    stacked = [features.sum(1) + index for features, index in squares]
    return sums + stacked + [float(len(loader)), float(len(squares))]
