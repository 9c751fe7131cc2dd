# kornia's SOSNet and TFeat: `load_state_dict_from_url(url, map_location=torch.device("cpu"))`
# behind `if pretrained:`. The loader is the package's own, so the call stays; the device
# becomes its name, which every checkpoint loader takes alike, and the port needs no torch to
# build the model without weights.
import numpy as np
import torch
import torch.nn as nn

from torch.hub import load_state_dict_from_url

URL = "https://example.invalid/weights.pth"


def fetch(url, **kwargs):
    return load_state_dict_from_url(url, **kwargs)


class Descriptor(nn.Module):
    def __init__(self, pretrained=False):
        super().__init__()
        self.proj = nn.Linear(8, 4)
        if pretrained:
            self.load_state_dict(fetch(URL, map_location=torch.device("cpu")))

    def forward(self, x):
        return torch.tanh(self.proj(x))


def build():
    torch.manual_seed(0)
    return Descriptor(pretrained=False).eval()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((3, 8)), dtype=torch.float32),)
