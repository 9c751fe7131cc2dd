#!/usr/bin/env python3
"""A torch checkpoint round trip through `portui convert-weights` (tests/convert_weights.rs).
    checkpoint.py save --torch-dir DIR --config TOML --out CKPT --npz NPZ
        builds the [bench] model in torch (seed 0) and saves {"model": state_dict,
        "optimizer": ..., "step": ...} with torch.save, and the inputs and output to NPZ.
    checkpoint.py load --mlx-dir DIR --config TOML --weights FILE --npz NPZ
        builds the port's model, model.load_weights(FILE) (strict), runs it on the same inputs
        and prints ONE JSON line {"max_abs": ...}; exit 0 iff within the [bench] tolerance.
Layouts and the comparison are parity.py's, so both checks judge alike."""
import argparse
import json
import sys
import tomllib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import parity  # noqa: E402


def save(args, bench):
    import torch
    out_npz = args.npz
    parity.torch_phase(bench, args.torch_dir, 0, out_npz)  # the same model, inputs and output
    module = sys.modules[Path(bench["file"]).stem]
    torch.manual_seed(0)
    model = eval(bench["model"], module.__dict__)  # same seed: the same weights as the npz's
    optimizer = torch.optim.AdamW(model.parameters())
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": 3}, args.out)


def load(args, bench):
    import mlx.core as mx
    module = parity.load_module(args.mlx_dir, bench["file"])
    mapping_path = Path(args.mlx_dir, parity.MAPPING_FILE)
    mapping = json.loads(mapping_path.read_text()) if mapping_path.exists() else {}
    model = eval(bench["model"], module.__dict__)
    model.eval()
    model.load_weights(args.weights)  # strict: the contract under test
    arrays = dict(np.load(args.npz))
    in_layouts = parity.layouts(module, mapping, "inputs", model)
    inputs = []
    for i, spec in enumerate(bench["inputs"]):
        x = arrays[f"in:{i}"]
        if in_layouts.get(i) in parity.CHANNELS_LAST:
            x = np.moveaxis(x, 1, -1)
        dtype = spec.get("dtype", "float32").replace("int64", "int32")
        inputs.append(mx.array(x).astype(getattr(mx, dtype)))
    out = model(*inputs)
    out = out[0] if isinstance(out, (tuple, list)) else out
    got = np.array(out.astype(mx.float32))
    if parity.layouts(module, mapping, "outputs", model).get(0) in parity.CHANNELS_LAST:
        got = np.moveaxis(got, -1, 1)
    result = {"max_abs": None}
    error = parity.compare(got, arrays["out"], float(bench.get("tolerance", 1e-4)), result)
    result["error"] = error
    print(json.dumps(result))
    sys.exit(1 if error else 0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("phase", choices=["save", "load"])
    for flag in ("--torch-dir", "--mlx-dir", "--config", "--out", "--npz", "--weights"):
        ap.add_argument(flag)
    args = ap.parse_args()
    with open(args.config, "rb") as f:
        bench = tomllib.load(f)["bench"]
    (save if args.phase == "save" else load)(args, bench)


if __name__ == "__main__":
    main()
