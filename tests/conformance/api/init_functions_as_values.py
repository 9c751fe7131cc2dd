# pytorch-tcn's `kernel_init_fn = dict(xavier_uniform=nn.init.xavier_uniform_, ...)`, called
# later as `initialize(self.conv1.weight, **kwargs)`: the initialisers are values, filling a
# layer's weight in place. Random values differ between frameworks, so each initialiser's
# spread is compared (fans and gains), over a weight large enough that its standard deviation
# is known to well within the tolerance; constants compare exactly.
import torch
import torch.nn as nn

TOLERANCE = 0.03

kernel_init_fn = dict(
    xavier_uniform=nn.init.xavier_uniform_,
    xavier_normal=nn.init.xavier_normal_,
    kaiming_uniform=nn.init.kaiming_uniform_,
    kaiming_normal=nn.init.kaiming_normal_,
    normal=nn.init.normal_,
    uniform=nn.init.uniform_,
    trunc_normal=nn.init.trunc_normal_,
)
kernel_init_kw = dict(
    xavier_uniform=dict(gain=2.0),
    kaiming_normal=dict(mode="fan_out", nonlinearity="relu"),
    normal=dict(std=0.5),
)
fill = dict(zeros=nn.init.zeros_, ones=nn.init.ones_)


def compute():
    torch.manual_seed(0)
    conv = nn.Conv1d(64, 128, 5)
    spreads = {}
    for name, initialize in kernel_init_fn.items():
        initialize(conv.weight, **kernel_init_kw.get(name, {}))
        spreads[name] = conv.weight.std().item()
    filled = {}
    for name, initialize in fill.items():
        initialize(conv.bias)
        filled[name] = conv.bias.sum().item()
    set_to = nn.init.constant_
    set_to(conv.bias, 0.25)
    filled["constant"] = conv.bias.sum().item()
    return spreads, filled
