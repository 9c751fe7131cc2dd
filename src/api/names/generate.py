#!/usr/bin/env python3
"""Writes the name lists portui compiles in, from the installed packages themselves (never typed
by hand): run it with the test venv's Python after changing the pins in tests/run.sh.

    ~/.cache/portui-tests/venv/bin/python src/api/names/generate.py

  mlx.txt           every public name of the pinned mlx: mlx.core (and its fast, linalg, random,
                    fft submodules), the attributes of mlx.core.array, mlx.nn (layers, losses,
                    init, the methods of nn.Module), mlx.optimizers and mlx.utils; one qualified
                    name a line (`mlx.core.array.astype`, `mlx.nn.losses.cross_entropy`).
  torch_tensor.txt  the public attributes of torch.Tensor (what `x.<name>` may be on a tensor).
  torch_tensor_properties.txt
                    those of them that are not methods (`x.grad`, `x.requires_grad`, `x.H`).
  other_types.txt   `<type> <name>` for the public methods of the objects a receiver is often
                    instead of a tensor (str, bytes, list, tuple, dict, set, int, float,
                    numpy.ndarray, torch.nn.Module) that torch.Tensor has too.
"""
import inspect
import os
import types

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim
import mlx.utils
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def public(obj):
    return sorted(n for n in dir(obj) if not n.startswith("_"))


def write(name, header, lines):
    with open(os.path.join(HERE, name), "w") as f:
        f.write(header)
        f.writelines(line + "\n" for line in lines)


def mlx_names():
    out = set()
    modules = {
        "mlx.core": mx, "mlx.core.fast": mx.fast, "mlx.core.linalg": mx.linalg,
        "mlx.core.random": mx.random, "mlx.core.fft": mx.fft, "mlx.nn": nn,
        "mlx.nn.losses": nn.losses, "mlx.nn.init": nn.init, "mlx.optimizers": optim,
        "mlx.utils": mlx.utils,
    }
    for prefix in ("metal", "distributed", "cuda"):
        if hasattr(mx, prefix):
            modules["mlx.core." + prefix] = getattr(mx, prefix)
    for prefix, module in modules.items():
        for name in public(module):
            value = getattr(module, name)
            if isinstance(value, types.ModuleType) and prefix + "." + name not in modules:
                continue  # an imported module (mlx.nn's `mx`), not part of the API
            out.add(prefix + "." + name)
    for name in dir(mx.array):
        if not name.startswith("_") or name in ("__getitem__", "__setitem__", "__len__", "__iter__"):
            out.add("mlx.core.array." + name)
    for name in public(nn.Module):
        out.add("mlx.nn.Module." + name)
    for name in public(optim.Optimizer):
        out.add("mlx.optimizers.Optimizer." + name)
    return sorted(out)


def other_types():
    tensor = set(public(torch.Tensor))
    kinds = {"str": str, "bytes": bytes, "list": list, "tuple": tuple, "dict": dict, "set": set,
             "int": int, "float": float, "numpy.ndarray": np.ndarray, "torch.nn.Module": torch.nn.Module}
    return [f"{kind} {name}" for kind, cls in kinds.items() for name in public(cls) if name in tensor]


def main():
    write("mlx.txt", f"# public names of mlx {mx.__version__} (src/api/names/generate.py)\n", mlx_names())
    write("torch_tensor.txt", f"# public attributes of torch.Tensor, torch {torch.__version__} (src/api/names/generate.py)\n",
          public(torch.Tensor))
    write("torch_tensor_properties.txt",
          f"# public attributes of torch.Tensor that are not callable, torch {torch.__version__} (src/api/names/generate.py)\n",
          [n for n in public(torch.Tensor) if not callable(getattr(torch.Tensor, n, None))])
    write("other_types.txt", "# <type> <name>: methods other common receivers share with torch.Tensor (src/api/names/generate.py)\n",
          other_types())


if __name__ == "__main__":
    main()
