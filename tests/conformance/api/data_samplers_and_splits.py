# A training script's own data plumbing: datasets joined and chained, a validation split, and
# batches of indices from samplers (no DataLoader). The random samplers draw from each
# framework's own generator, so what is compared is what holds whatever the draw: lengths,
# the sets of indices drawn, and that a zero weight is never drawn; the deterministic ones
# compare exactly.
import numpy as np
import torch
from torch.utils.data import BatchSampler, ChainDataset, ConcatDataset, Dataset, IterableDataset
from torch.utils.data import RandomSampler, Sampler, SequentialSampler, Subset, SubsetRandomSampler
from torch.utils.data import WeightedRandomSampler, random_split


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i * i


class Stream(IterableDataset):
    def __init__(self, values):
        self.values = values

    def __iter__(self):
        return iter(self.values)


class EveryOther(Sampler):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(0, self.n, 2))

    def __len__(self):
        return (self.n + 1) // 2


def compute():
    torch.manual_seed(0)
    rows = torch.tensor(np.arange(12, dtype=np.float32).reshape(6, 2))
    joined = ConcatDataset([Squares(4), rows])
    summed = Squares(3) + Squares(2)
    chained = ChainDataset([Stream([1, 2]), Stream([3])])
    plus = Stream([7]) + Stream([8, 9])
    picked = Subset(rows, [5, 1, 3])
    train, val = random_split(Squares(10), [7, 3])
    halves = random_split(Squares(5), [0.5, 0.5])
    batches = list(BatchSampler(SequentialSampler(range(7)), 3, drop_last=False))
    dropped = list(BatchSampler(EveryOther(7), 3, True))
    shuffled = list(RandomSampler(range(6)))
    longer = list(RandomSampler(range(4), num_samples=10))
    drawn = list(RandomSampler(range(4), replacement=True, num_samples=8))
    weighted = list(WeightedRandomSampler(torch.tensor([0.0, 1.0, 0.0, 3.0]), 20))
    unique = list(WeightedRandomSampler([0.5, 0.0, 2.0, 1.0], 3, replacement=False))
    subset_order = list(SubsetRandomSampler([9, 4, 6]))
    random_batches = [len(b) for b in BatchSampler(RandomSampler(range(10)), 4, False)]
    return {
        "joined": [len(joined), joined[3], joined[4], joined[-1], joined[-6]],
        "summed": [len(summed), summed[4]],
        "chained": [list(chained), list(plus)],
        "picked": [len(picked), picked[0], picked[2]],
        "split": [len(train), len(val), sorted(list(train) + list(val)), [len(h) for h in halves]],
        "batches": [batches, dropped, len(BatchSampler(range(7), 3, False)), len(BatchSampler(range(7), 3, True))],
        "random": [sorted(shuffled), len(longer), sorted(set(longer)), len(drawn), all(0 <= i < 4 for i in drawn)],
        "weighted": [len(weighted), sorted(set(weighted)) in ([1, 3], [3]), sorted(unique)],
        "subset": [sorted(subset_order), random_batches, len(RandomSampler(range(5), num_samples=3))],
    }
