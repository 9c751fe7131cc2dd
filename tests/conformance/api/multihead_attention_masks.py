# torchaudio's Conformer and most transformer code: nn.MultiheadAttention, sequence-first and
# batch-first, with a boolean causal attn_mask, a key_padding_mask, and both kinds of returned
# attention weights; torch's in_proj_weight/out_proj weights load by name.
import numpy as np
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(8, 2)
        self.attn2 = nn.MultiheadAttention(8, 4, batch_first=True)

    def forward(self, x):
        length = x.shape[0]
        causal = torch.triu(torch.ones(length, length, dtype=torch.bool), diagonal=1)
        pad = (torch.arange(length) >= length - 1).unsqueeze(0).repeat(x.shape[1], 1)
        out, w = self.attn(x, x, x, key_padding_mask=pad, attn_mask=causal)
        y = out.transpose(0, 1)
        out2, w2 = self.attn2(y, y, y, average_attn_weights=False)
        return out2, w, w2


def build():
    torch.manual_seed(0)
    return Net().eval()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((5, 2, 8)), dtype=torch.float32),)
