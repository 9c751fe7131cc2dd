# portui-expect: manual
# torch APIs without a portui rewrite are reported and left as they are.
import torch


def sensitivity(f, x):
    return torch.autograd.functional.vhp(f, x)


def pack(x, lengths):
    return torch.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True)
