#!/usr/bin/env python3
"""Prints torch's own signatures for API names, as its docstrings (or, for classes and plain
Python functions, inspect) give them: a starting point for writing entries of the API table.

    ~/.cache/portui-tests/venv/bin/python src/api/names/signatures.py torch.sum torch.Tensor.add torch.nn.Linear
    ... signatures.py --missing        every public torch.Tensor method the table does not list yet
"""
import inspect
import os
import re
import sys

import torch
import torch.nn.functional  # noqa: F401
import torch.fft  # noqa: F401
import torch.linalg  # noqa: F401
import torch.special  # noqa: F401

HERE = os.path.dirname(os.path.abspath(__file__))


def resolve(name):
    obj = torch
    for part in name.split(".")[1:]:
        obj = getattr(obj, part)
    return obj


def signatures(name):
    obj = resolve(name)
    short = name.rsplit(".", 1)[-1]
    if inspect.isclass(obj):
        return [f"{name}{inspect.signature(obj.__init__)}".replace("(self, ", "(").replace("(self)", "()")]
    doc = obj.__doc__ or ""
    found = [m.group(0).split("->")[0].strip().removeprefix(".. function:: ") for m in re.finditer(rf"^\s*(?:\.\. function:: )?{re.escape(short)}\(.*?\)\s*(->|$)", doc, re.M)]
    if found:
        prefix = name.rsplit(".", 1)[0] + "."
        return [prefix + f for f in dict.fromkeys(found)]
    try:
        return [f"{name}{inspect.signature(obj)}"]
    except (TypeError, ValueError):
        return [f"{name}(?)  # no signature found"]


def listed():
    names = set()
    table = os.path.join(HERE, "..", "table")
    for file in os.listdir(table):
        for line in open(os.path.join(table, file)):
            if line.startswith("torch."):
                names.add(line.split("(")[0])
            for alias in re.findall(r"alias: ([^;]+)", line):
                names.update(a.strip() for a in alias.split(","))
    return names


def main():
    if sys.argv[1:] == ["--missing"]:
        known = listed()
        for n in sorted(dir(torch.Tensor)):
            if not n.startswith("_") and f"torch.Tensor.{n}" not in known and callable(getattr(torch.Tensor, n)):
                print(f"torch.Tensor.{n}")
        return
    for name in sys.argv[1:]:
        for signature in signatures(name):
            print(signature)


if __name__ == "__main__":
    main()
