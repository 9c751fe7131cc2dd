# denoising-diffusion-pytorch's Attend: torch's attention kernels named through SDPBackend, a
# check of torch's version, `torch.nn.attention.sdpa_kernel(**config._asdict())` (and
# torch.backends.cuda.sdp_kernel, its older spelling) around the attention, a CUDA-only
# branch after an early return (its torch import must not run), and `partial(torch.cat,
# dim=-2)` for memory key/values. MLX picks its attention kernel itself.
from collections import namedtuple
from functools import partial

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from packaging import version
from torch.nn.attention import SDPBackend

AttentionConfig = namedtuple("AttentionConfig", ["backends"])


class Attend(nn.Module):
    def __init__(self, flash=True):
        super().__init__()
        assert not (flash and version.parse(torch.__version__) < version.parse("2.0.0")), "flash needs torch 2"
        self.cpu_config = AttentionConfig([SDPBackend.FLASH_ATTENTION, SDPBackend.MATH, SDPBackend.EFFICIENT_ATTENTION])
        self.cuda_config = None
        self.mem_kv = nn.Parameter(torch.linspace(-1.0, 1.0, 2 * 2 * 3 * 4).reshape(2, 2, 3, 4))
        if not torch.cuda.is_available() or not flash:
            return
        device_properties = torch.cuda.get_device_properties(torch.device("cuda"))
        if device_properties.major >= 8:
            self.cuda_config = AttentionConfig([SDPBackend.FLASH_ATTENTION])

    def forward(self, q, k, v):
        mk, mv = self.mem_kv
        mk, mv = (t.expand(q.shape[0], -1, -1, -1) for t in (mk, mv))
        k, v = map(partial(torch.cat, dim=-2), ((mk, k), (mv, v)))
        config = self.cpu_config
        with torch.nn.attention.sdpa_kernel(**config._asdict()):
            out = F.scaled_dot_product_attention(q, k, v)
        with torch.backends.cuda.sdp_kernel(enable_flash=True, enable_math=True):  # torch < 2.3's
            return out + F.scaled_dot_product_attention(q, v, k)


def build():
    torch.manual_seed(0)
    return Attend().eval()


def inputs():
    rng = np.random.default_rng(0)
    return tuple(torch.tensor(rng.standard_normal((1, 2, 5, 4)), dtype=torch.float32) for _ in range(3))
