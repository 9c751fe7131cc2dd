# portui-expect: manual
# torch.compile of a model: MLX compiles the step function instead.
import torch


def maybe_compile(model, enabled):
    if enabled:
        model = torch.compile(model)
    return model
