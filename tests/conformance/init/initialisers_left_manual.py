# portui-expect: manual
# Initialisers left to a person: dirac_ and sparse_ (no MLX initialiser with their meaning:
# dirac_'s identity depends on torch's channels-first layout), and an initialiser of a slice
# whose result is used (MLX's slice is a copy, so filling it changes nothing else).
# (trunc_normal_ and orthogonal_ of a plain name are portui_shims' in-place initialisers now:
# tests/conformance/init/init_plain_names.py.)
import torch.nn as nn


def init_weight(w):
    nn.init.dirac_(w)
    nn.init.sparse_(w, 0.5)
    first = nn.init.normal_(w[0])
    return first
