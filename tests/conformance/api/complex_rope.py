# Meta LLaMA's complex form of RoPE: freqs_cis from torch.polar, the activations viewed as
# complex pairs (view_as_complex), a complex product, and back (view_as_real). MLX has complex64
# arrays, views between float32 pairs and complex64, and complex arithmetic, so the form ports
# call by call and computes what torch computes. (mx.fast.rope with traditional=True is the
# fused equivalent; the rewrite keeps the code's own form.)
import numpy as np
import torch

TOLERANCE = 1e-4


def precompute_freqs_cis(dim, end, theta=10000.0):
    freqs = 1.0 / (theta ** (torch.arange(0, dim, 2)[: (dim // 2)].float() / dim))
    t = torch.arange(end, device=freqs.device)
    freqs = torch.outer(t, freqs).float()
    return torch.polar(torch.ones_like(freqs), freqs)


def reshape_for_broadcast(freqs_cis, x):
    ndim = x.ndim
    shape = [d if i == 1 or i == ndim - 1 else 1 for i, d in enumerate(x.shape)]
    return freqs_cis.view(*shape)


def apply_rotary_emb(xq, xk, freqs_cis):
    xq_ = torch.view_as_complex(xq.float().reshape(*xq.shape[:-1], -1, 2))
    xk_ = torch.view_as_complex(xk.float().reshape(*xk.shape[:-1], -1, 2))
    freqs_cis = reshape_for_broadcast(freqs_cis, xq_)
    xq_out = torch.view_as_real(xq_ * freqs_cis).flatten(3)
    xk_out = torch.view_as_real(xk_ * freqs_cis).flatten(3)
    return xq_out.type_as(xq), xk_out.type_as(xk)


def compute():
    rng = np.random.default_rng(0)
    t = lambda *shape: torch.tensor(rng.standard_normal(shape), dtype=torch.float32)
    # (B, T, H, D), as LLaMA applies it.
    xq, xk = t(2, 6, 4, 16), t(2, 6, 2, 16)
    freqs_cis = precompute_freqs_cis(16, 6)
    return list(apply_rotary_emb(xq, xk, freqs_cis))
