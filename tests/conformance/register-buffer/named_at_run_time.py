# Buffers named at run time (transformers' rotary embeddings: `setattr(self,
# f"{layer_type}_inv_freq", nn.Buffer(t, persistent=False))`), and a register_buffer whose name
# and persistence are variables: MLX would train an array attribute, so each goes through
# portui_shims.register_buffer, frozen when persistent, out of the parameter tree when not. An
# `nn.Buffer` attribute (BERT's token_type_ids) holds an array, whose methods are ported.
import numpy as np
import torch
import torch.nn as nn


class Rotary(nn.Module):
    def __init__(self, layer_types, dim=8, keep=True):
        super().__init__()
        for layer_type in layer_types:
            base = 10000.0 if layer_type == "full" else 100.0
            inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim))
            setattr(self, f"{layer_type}_inv_freq", nn.Buffer(inv_freq, persistent=False))
        name = "scale"
        self.register_buffer(name, torch.full((dim // 2,), 0.5), persistent=keep)
        self.proj = nn.Linear(dim, dim)
        self.token_type_ids = nn.Buffer(torch.zeros(1, 5, dtype=torch.long), persistent=False)

    def forward(self, x):
        t = torch.arange(x.shape[1]).float()
        out = self.proj(x) + self.token_type_ids.expand(x.shape[0], -1)[..., None]
        for layer_type in ("full", "local"):
            freqs = torch.outer(t, getattr(self, f"{layer_type}_inv_freq") * self.scale)
            out = out + torch.cat([freqs.cos(), freqs.sin()], dim=-1)
        return out


def build():
    return Rotary(["full", "local"])


def inputs():
    return (torch.tensor(np.random.default_rng(0).standard_normal((2, 5, 8)), dtype=torch.float32),)
