# torchvision's DenseNet: a Sequential subclass whose children are attributes set after
# super().__init__() (_Transition), and add_module on a Sequential (features.add_module(...)):
# torch calls every registered child in order, so the port must too.
import numpy as np
import torch
import torch.nn as nn


class Block(nn.Sequential):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.act = nn.ReLU()


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 4))
        self.body.add_module("block", Block())
        self.body.add_module("out", nn.Linear(4, 2))

    def forward(self, x):
        return self.body(x)


def build():
    torch.manual_seed(0)
    return Net().eval()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((3, 4)), dtype=torch.float32),)
