# portui-expect: manual
# LLaMA/HF style: the cos/sin tables come in as arguments (built by a rotary module elsewhere),
# so base and positions cannot be read here: the finding gives the call to write instead.
import torch


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def apply_rotary_emb(q, k, cos, sin):
    q_embed = (q * cos) + (rotate_half(q) * sin)
    k_embed = (k * cos) + (rotate_half(k) * sin)
    return q_embed, k_embed
