# pretrainedmodels' DPN pools its last feature map through a function of the file
# (`adaptive_avgmax_pool2d`, reading `x.size(2), x.size(3)` and calling F.avg_pool2d and
# F.max_pool2d). The function works in torch's layout, so the module handing it its maps
# keeps torch's layout too; its `count_include_pad`, a parameter of the function, is known
# only at run time and goes to portui_shims.avg_pool.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def adaptive_avgmax_pool2d(x, pool_type="avg", padding=0, count_include_pad=False):
    if pool_type == "avgmax":
        x_avg = F.avg_pool2d(x, kernel_size=(x.size(2), x.size(3)), padding=padding, count_include_pad=count_include_pad)
        x_max = F.max_pool2d(x, kernel_size=(x.size(2), x.size(3)), padding=padding)
        return 0.5 * (x_avg + x_max)
    return F.avg_pool2d(x, kernel_size=(x.size(2), x.size(3)), padding=padding, count_include_pad=count_include_pad)


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.classifier = nn.Conv2d(8, 4, 1)

    def forward(self, x):
        x = adaptive_avgmax_pool2d(self.conv(x), pool_type="avgmax")
        return self.classifier(x).flatten(1)


def build():
    torch.manual_seed(0)
    return Head().eval()


def inputs():
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((2, 3, 6, 5)), dtype=torch.float32),)
