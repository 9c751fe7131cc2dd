# Convolutions, norms and pools held in a Sequential, not as the module's own layers
# (torchaudio's Wav2Letter, LeViT): the module's feature maps keep torch's channels-first layout,
# each MLX layer running between two axis moves; channel axis 1 stays axis 1.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

TOLERANCE = 1e-4


class Acoustic(nn.Module):
    def __init__(self, features=5, classes=4):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv1d(features, 8, 3, padding=1),
            nn.BatchNorm1d(8),
            nn.ReLU(inplace=True),
            nn.MaxPool1d(2),
            nn.Conv1d(8, classes, 1),
        )

    def forward(self, x):
        return F.log_softmax(self.net(x), dim=1)


def build():
    model = Acoustic()
    model.eval()
    return model


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 5, 10)), dtype=torch.float32),)
