# portui-expect: manual
# Meta LLaMA's complex form: MLX has no complex view, so the finding gives the traditional=True
# call to write.
import torch


def apply_rotary_emb(xq, freqs_cis):
    xq_ = torch.view_as_complex(xq.float().reshape(*xq.shape[:-1], -1, 2))
    xq_out = torch.view_as_real(xq_ * freqs_cis).flatten(3)
    return xq_out.type_as(xq)
