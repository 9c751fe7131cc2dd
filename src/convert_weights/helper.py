"""portui convert-weights' Python side: the two things only Python can do.

    helper.py describe-port MLX_DIR FILE MODEL   -> JSON on stdout: the port's parameters
    helper.py unpickle CHECKPOINT OUT_DIR         -> OUT_DIR/index.json + one safetensors per state dict

describe-port imports FILE from the port (mlx only) and builds MODEL (the [bench] expression):
every parameter MLX would load (name, shape, and whether its module is a convolution, whose
weight layout differs from torch's), and the class of every module (the weights map names
aliases and dropped entries relative to a class).

unpickle reads a torch.save checkpoint (torch, weights_only: no code from the file runs) and
writes every dict of tensors in it, at any depth, as a safetensors file: {"model": ...,
"optimizer": ...} gives one per candidate, and portui chooses the one that fits the port."""
import json
import os
import sys
from pathlib import Path

from portui_project_module import load_module  # written beside this script by portui

# safetensors dtype names; torch.uint16/32/64 exist only in recent torch, hence the getattr.
DTYPES = {
    "float64": "F64", "float32": "F32", "float16": "F16", "bfloat16": "BF16",
    "int64": "I64", "int32": "I32", "int16": "I16", "int8": "I8", "uint8": "U8", "bool": "BOOL",
    "uint16": "U16", "uint32": "U32", "uint64": "U64",
}
MAX_DEPTH = 4


def describe_port(mlx_dir, file, model_expr):
    import mlx.nn as nn
    from mlx.utils import tree_flatten

    module = load_module(mlx_dir, file)
    model = eval(model_expr, module.__dict__)

    modules = dict(model.named_modules())
    conv = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
    conv_transpose = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)

    def layout(name):
        # A weight norm's g and v (`conv.weight_g`, `conv.parametrizations.weight.original1`)
        # move as the weight they make does.
        parts = name.split(".")
        if len(parts) >= 3 and parts[-3] == "parametrizations" and parts[-1] in ("original0", "original1"):
            owner, leaf = ".".join(parts[:-3]), parts[-2]
        else:
            owner, _, leaf = name.rpartition(".")
            leaf = leaf[:-2] if leaf.endswith(("_g", "_v")) else leaf
        m = modules.get(owner)
        if leaf != "weight":
            return None
        if isinstance(m, conv_transpose):
            return "conv_transpose"
        if isinstance(m, conv):
            return "conv"
        return None

    parameters = [{"name": n, "shape": list(p.shape), "layout": layout(n)}
                  for n, p in tree_flatten(model.parameters())]
    classes = [{"path": p, "class": type(m).__name__} for p, m in modules.items()]
    print(json.dumps({"parameters": parameters, "modules": classes}))


def write_safetensors(path, tensors):
    """The safetensors format by hand (8-byte header length, JSON header, raw bytes), so the
    user's Python needs nothing beyond torch."""
    import torch
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        dtype = DTYPES.get(str(t.dtype).removeprefix("torch."))
        if dtype is None:
            continue  # complex, quantized...: reported as absent, never guessed
        data = t.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little"))
        f.write(text)
        for chunk in chunks:
            f.write(chunk)


def unpickle(checkpoint, out_dir):
    import torch
    try:
        loaded = torch.load(checkpoint, map_location="cpu", weights_only=True)
    except Exception as e:  # a pickle of arbitrary objects: refuse rather than run its code
        sys.exit(f"torch.load(weights_only=True) refused {checkpoint}: {type(e).__name__}: {e}")
    index = []

    def walk(value, key, depth):
        if not isinstance(value, dict) or depth > MAX_DEPTH:
            return
        tensors = {k: v for k, v in value.items() if isinstance(k, str) and torch.is_tensor(v)}
        if tensors:
            file = f"{len(index)}.safetensors"
            write_safetensors(os.path.join(out_dir, file), tensors)
            index.append({"key": key, "file": file})
        for k, v in value.items():
            if isinstance(k, str) and not torch.is_tensor(v):
                walk(v, f"{key}.{k}" if key else k, depth + 1)

    walk(loaded, "", 0)
    if isinstance(loaded, dict) and not loaded:  # the state dict of a model without parameters
        write_safetensors(os.path.join(out_dir, "0.safetensors"), {})
        index.append({"key": "", "file": "0.safetensors"})
    Path(out_dir, "index.json").write_text(json.dumps(index))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"describe-port": describe_port, "unpickle": unpickle}[command](*args)
