# Layer classes passed as values and built elsewhere with torch's arguments (torchvision's
# Conv2dNormActivation: `activation_layer=nn.ReLU6`, then `activation_layer(inplace=True)`);
# isinstance checks against the class still hold, and so does a class derived from one
# (transformers' `PipelineIdentityLayer(nn.Identity)`), and a table of classes.
import numpy as np
import torch
import torch.nn as nn


ACTIVATIONS = dict(identity=nn.Identity, hardswish=nn.Hardswish)


class Passthrough(nn.Identity):
    pass


class Block(nn.Module):
    def __init__(self, activation_layer=nn.ReLU6, params=None):
        super().__init__()
        self.fc = nn.Linear(3, 3)
        self.act = activation_layer(**(params or {"inplace": True}))
        self.gate = nn.SiLU(True) if isinstance(self.act, nn.ReLU6) else nn.Identity()

    def forward(self, x):
        return self.gate(self.act(self.fc(x) * 4))


def build():
    return nn.Sequential(Block(), Block(ACTIVATIONS["hardswish"]), Passthrough(), Block(ACTIVATIONS["identity"]))


def inputs():
    return (torch.tensor(np.random.default_rng(0).standard_normal((4, 3)), dtype=torch.float32),)
