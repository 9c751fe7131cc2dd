# timm's Attention passes its caller's flag through (`is_causal=is_causal`) with an attn_mask
# that is None when the flag is set: the causal mask when the flag holds, else attn_mask.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Attend(nn.Module):
    def forward(self, q, k, v, attn_mask=None, is_causal=False):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, is_causal=is_causal)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.attend = Attend()

    def forward(self, q, k, v, keep):
        causal = self.attend(q, k, v, is_causal=True)
        masked = self.attend(q, k, v, attn_mask=keep)
        plain = self.attend(q, k[:, :, :3], v[:, :, :3], is_causal=False)
        return causal + masked + plain


def build():
    return Net()


def inputs():
    rng = np.random.default_rng(0)
    q, k, v = (torch.tensor(rng.standard_normal((2, 2, 5, 4)), dtype=torch.float32) for _ in range(3))
    keep = torch.tensor(rng.random((5, 5)) > 0.3)
    keep[:, 0] = True
    return q, k, v, keep
