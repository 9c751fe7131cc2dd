# vit-pytorch's CCT: torch.FloatTensor over a list comprehension (a sinusoidal table), then
# slices of it assigned; the legacy typed constructors given data are arrays of their dtype.
import torch


def compute():
    pe = torch.FloatTensor([[p / (10000 ** (2 * (i // 2) / 4)) for i in range(4)] for p in range(3)])
    pe[:, 0::2] = torch.sin(pe[:, 0::2])
    pe[:, 1::2] = torch.cos(pe[:, 1::2])
    ids = torch.LongTensor([2, 0, 1])
    return pe, pe[ids], torch.IntTensor([[1, 2]]) * 3
