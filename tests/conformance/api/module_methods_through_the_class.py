# A module that registers its layers and a parameter through nn.Module's methods named on the
# class (as code written against a base's methods does), then is put in evaluation mode, moved
# and cast the same way. The layers are reached as attributes in forward, under torch's names.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        nn.Module.add_module(self, "fc", nn.Linear(3, 4))
        nn.Module.register_module(self, "out", nn.Linear(4, 2))
        nn.Module.register_parameter(self, "scale", nn.Parameter(torch.ones(2) * 0.5))
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        return self.out(self.drop(torch.relu(self.fc(x)))) * self.scale


def build():
    torch.manual_seed(0)
    model = Net()
    nn.Module.train(model, False)
    return nn.Module.float(nn.Module.cpu(nn.Module.eval(model)))


def inputs():
    return (torch.linspace(-1.0, 1.0, 12).reshape(4, 3),)
