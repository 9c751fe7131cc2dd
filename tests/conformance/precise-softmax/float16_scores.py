# LLaMA's attention softmax on half-precision scores: torch normalises in float32 and rounds
# once to float16; MLX's precise softmax accumulates in float32 and rounds once too, so the
# results agree to float16 rounding (one unit in the last place, about 1e-3 relative).
import numpy as np
import torch
import torch.nn.functional as F

TOLERANCE = 1e-3


def compute():
    rng = np.random.default_rng(0)
    results = []
    for shape in [(2, 4, 8, 8), (1, 2, 3, 512)]:
        scores = torch.tensor(rng.standard_normal(shape) * 4, dtype=torch.float16)
        results.append(F.softmax(scores.float(), dim=-1).type_as(scores))
        results.append(scores.float().softmax(dim=-1).to(scores.dtype))
    return results
