# portui-expect: manual
# What MLX optimizers cannot express stays manual: AMSGrad, Adam's L2 weight decay, RMSprop
# momentum, SGD dampening, Adamax, parameter groups (a MultiOptimizer template).
import torch


def make(model, decay, no_decay, wd):
    amsgrad = torch.optim.Adam(model.parameters(), lr=1e-3, amsgrad=True)
    l2 = torch.optim.Adam(model.parameters(), weight_decay=wd)
    rms = torch.optim.RMSprop(model.parameters(), momentum=0.9)
    damped = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, dampening=0.1)
    adamax = torch.optim.Adamax(model.parameters())
    groups = [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}]
    grouped = torch.optim.AdamW(groups, lr=3e-4, betas=(0.9, 0.95))
    return amsgrad, l2, rms, damped, adamax, grouped
