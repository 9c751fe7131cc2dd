#!/usr/bin/env python3
"""Writes mlx_facts.txt, what the port audit needs to know about the pinned mlx beyond the names in
src/api/names/mlx.txt (and about Python's containers), read from the installed packages
themselves (never typed by hand). Run it with the
test venv's Python after changing the pins in tests/run.sh (and regenerate mlx.txt with it):

    ~/.cache/portui-tests/venv/bin/python src/audit/generate.py

One fact a line:

  module NAME          every module of the mlx package (`mlx.nn.layers.base`, `mlx.core.fast`): an
                       import of it exists, and names under a module mlx.txt does not enumerate are
                       not judged.
  property NAME        an attribute of mlx.core.array that is not callable (`shape`, `size`):
                       `x.size()` is torch's method, a property in MLX.
  returns-array NAME   a function (or mx.array method) whose signature says it returns an array
                       (`mlx.core.zeros`, `mlx.core.array.reshape`): what it binds is an array.
  returns-other NAME   one whose signature says it returns something else (`None`, a tuple, a
                       `Group`, a `Callable`): what it binds is not an array.
  dynamic NAME         a name a module answers through its own `__getattr__` (`mlx.core.random.state`),
                       which `dir()` and so mlx.txt do not show: found by asking each such module for
                       every name mlx uses anywhere (in mlx.txt, its stubs and its Python sources).
  container-method N  a method of str, bytes, list, tuple, dict or set that mx.array does not have
                       (`items`, `append`, `startswith`): a name it is called on is not only an array.
  class NAME           a class (`mlx.nn.Linear`, `mlx.optimizers.AdamW`, `mlx.core.array`): calling
                       it makes an instance of it, which is not an array unless it is mx.array.
"""
import importlib
import inspect
import os
import pkgutil
import re
import types

import mlx
import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim
import mlx.utils

HERE = os.path.dirname(os.path.abspath(__file__))
RESULT = re.compile(r"->\s*(.+?)\s*$")
ARRAY_TYPES = {"array", "mlx.core.array", "mx.array"}
UNKNOWN_TYPES = {"Any", "object"}
# Where functions and classes are looked for (the modules mlx.txt enumerates, and mx.array).
SCOPES = {"mlx.core": mx, "mlx.core.fast": mx.fast, "mlx.core.linalg": mx.linalg,
          "mlx.core.random": mx.random, "mlx.core.fft": mx.fft, "mlx.nn": nn,
          "mlx.nn.losses": nn.losses, "mlx.nn.init": nn.init, "mlx.optimizers": optim,
          "mlx.utils": mlx.utils, "mlx.core.distributed": mx.distributed, "mlx.core.array": mx.array}


def modules():
    found = {"mlx"}
    for info in pkgutil.walk_packages(mlx.__path__, "mlx."):
        if not info.name.rsplit(".", 1)[-1].startswith("_"):
            found.add(info.name)
    # Compiled submodules (mlx.core.fast) are attributes, not files pkgutil can see.
    for name in dir(mx):
        if isinstance(getattr(mx, name), types.ModuleType) and not name.startswith("_"):
            found.add("mlx.core." + name)
    return sorted(found)


def properties():
    return sorted("mlx.core.array." + name for name in dir(mx.array)
                  if not name.startswith("_") and not callable(getattr(mx.array, name)))


def signature_line(value):
    """The first line of a compiled function's docstring is its signature; Python functions have one."""
    nb = getattr(value, "__nb_signature__", None)
    if nb:
        return nb[0][0]
    try:
        return str(inspect.signature(value))
    except (TypeError, ValueError):
        return ""


def public_values():
    for prefix, scope in SCOPES.items():
        for name in dir(scope):
            if not name.startswith("_"):
                yield prefix + "." + name, getattr(scope, name)


def results():
    """(`returns-array` or `returns-other`, name) of every function whose signature says."""
    found = []
    for qualified, value in public_values():
        if inspect.isclass(value) or not callable(value):
            continue
        lines = signature_line(value).splitlines()
        result = RESULT.search(lines[0]) if lines else None
        if result is None:
            continue
        annotation = result.group(1)
        head = re.split(r"[\[ |]", annotation, maxsplit=1)[0]
        if annotation in ARRAY_TYPES:
            found.append(("returns-array", qualified))
        elif head not in ARRAY_TYPES and head not in UNKNOWN_TYPES:
            found.append(("returns-other", qualified))
    return sorted(found)


def classes():
    return sorted(qualified for qualified, value in public_values() if inspect.isclass(value))


def dynamic_names():
    """Names modules with a `__getattr__` hook answer beyond `dir()`, among every identifier mlx's
    own names, stubs and sources use."""
    candidates = set()
    with open(os.path.join(HERE, "..", "api", "names", "mlx.txt")) as names:
        for line in names:
            if not line.startswith("#"):
                candidates.update(line.strip().split("."))
    for directory in mlx.__path__:
        for folder, _, files in os.walk(directory):
            for name in files:
                if name.endswith((".py", ".pyi")):
                    with open(os.path.join(folder, name), encoding="utf-8") as source:
                        candidates.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", source.read()))
    found = []
    for qualified in modules():
        module = _module(qualified)
        if module is None or "__getattr__" not in vars(module):
            continue
        listed = set(dir(module))
        for name in sorted(candidates - listed):
            if name.startswith("_"):
                continue
            try:
                getattr(module, name)
            except Exception:
                continue
            found.append(f"{qualified}.{name}")
    return found


def container_methods():
    names = set()
    for kind in (str, bytes, list, tuple, dict, set):
        names.update(n for n in dir(kind) if not n.startswith("_") and not hasattr(mx.array, n))
    return sorted(names)


def _module(qualified):
    try:
        return importlib.import_module(qualified)
    except Exception:
        return None


def main():
    lines = [f"module {m}" for m in modules()]
    lines += [f"property {p}" for p in properties()]
    lines += [f"{fact} {name}" for fact, name in results()]
    lines += [f"dynamic {d}" for d in dynamic_names()]
    lines += [f"container-method {m}" for m in container_methods()]
    lines += [f"class {c}" for c in classes()]
    with open(os.path.join(HERE, "mlx_facts.txt"), "w") as f:
        f.write(f"# facts about mlx {mx.__version__} for the port audit (src/audit/generate.py)\n")
        f.writelines(line + "\n" for line in lines)


if __name__ == "__main__":
    main()
