# portui-expect: manual
# expand with -1 (keep this size) needs the full target shape for mx.broadcast_to.
import torch


def widen(x, n):
    return x.expand(n, -1, -1)
