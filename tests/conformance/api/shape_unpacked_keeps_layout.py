# torchaudio's ConvTasNet pads its input to a whole number of strides with a tensor built from
# the unpacked shape (`batch_size, num_channels, num_frames = input.shape`, then
# `torch.zeros(batch_size, num_channels, num_paddings)` and `torch.cat(..., 2)`). Names for
# each axis cannot follow the axes to channels-last, so the module keeps torch's layout and
# its convolutions take channels-first maps.
import numpy as np
import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, stride=4):
        super().__init__()
        self.stride = stride
        self.conv = nn.Conv1d(1, 6, 2 * stride, stride=stride, padding=stride)

    def forward(self, input):
        batch_size, num_channels, num_frames = input.shape
        num_paddings = (self.stride - num_frames % self.stride) % self.stride
        pad = torch.zeros(batch_size, num_channels, num_paddings, dtype=input.dtype)
        padded = torch.cat([input, pad], 2)
        return self.conv(padded)


def build():
    torch.manual_seed(0)
    return Encoder().eval()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 1, 13)), dtype=torch.float32),)
