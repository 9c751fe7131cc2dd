#!/usr/bin/env python3
"""Conformance check of one rewrite: a torch snippet and portui's MLX port of it, same numbers.
    conformance.py --torch FILE --mlx FILE
A case file defines either `compute()` (returns tensors, numbers, or tuples/lists/dicts of them),
or `build()` (returns a module) and `inputs()` (returns a tuple of tensors built from NumPy data,
so both sides get the same values), or `build()` and `train(model, take_step)` (optimizers and
schedulers: `train` builds the optimizer, and calls `take_step(optimizer)` where the torch code
calls `optimizer.step()`; the harness gives both sides the same gradients, named and seeded by
parameter name and step, and records the learning rate each step used and the parameters after
it). For modules the torch weights are copied into the MLX module by name (portui-weights.json
beside the port, conv layouts by module type: see parity.py).
Optional `TOLERANCE` (default 1e-5, relative to the output's scale, plus 1e-6 absolute); a
result torch computes with no finite value is an error unless `NONFINITE_RESULT = True`;
learning rates (`.../lr`) must agree within `LR_TOLERANCE` (default 1e-7, absolute).
Prints one JSON line {"ok", "max_abs", "error"} (and "max_lr_abs" for schedules); exit 0 iff ok. The MLX phase cannot import torch."""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import traceback
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import parity  # noqa: E402  (shared loading, torch blocking and weight mapping)


def flatten(value, prefix, out, to_np):
    """Nested results → {path: numpy array}; the structure itself is compared through the paths."""
    if isinstance(value, (tuple, list)):
        out[f"{prefix}#len"] = np.array(len(value))
        for i, item in enumerate(value):
            flatten(item, f"{prefix}/{i}", out, to_np)
    elif isinstance(value, dict):
        for key in sorted(value):
            flatten(value[key], f"{prefix}/{key}", out, to_np)
    elif isinstance(value, (bool, int, float)):
        out[prefix] = np.array(value)
    elif value is None:
        out[f"{prefix}#none"] = np.array(0)
    else:
        out[prefix] = to_np(value)


def gradient(name, shape, step):
    """The gradient both frameworks get for one parameter at one step: fixed by name and step, so
    it does not depend on iteration order or on the framework."""
    rng = np.random.default_rng([step, zlib.crc32(name.encode())])
    return rng.standard_normal(shape).astype(np.float32)


def torch_phase(path, out_path):
    import torch
    module = parity.load_module(os.path.dirname(path), os.path.basename(path))
    to_np = lambda t: t.detach().cpu().float().numpy() if t.is_floating_point() else t.detach().cpu().numpy()
    arrays = {}
    if hasattr(module, "compute"):
        flatten(module.compute(), "out", arrays, to_np)
    elif hasattr(module, "train"):
        model = module.build()
        # Copied: numpy() shares memory with the parameters the steps then change.
        arrays.update({f"w:{k}": to_np(v).copy() for k, v in model.state_dict().items()})
        steps = []

        def take_step(optimizer):
            for name, p in model.named_parameters():
                p.grad = torch.from_numpy(gradient(name, tuple(p.shape), len(steps)))
            lr = optimizer.param_groups[0]["lr"]  # what this step uses
            optimizer.step()
            steps.append({"lr": float(lr), "params": {n: p.detach().clone() for n, p in model.named_parameters()}})

        result = module.train(model, take_step)
        flatten({"result": result, "steps": steps}, "out", arrays, to_np)
    else:
        model = module.build()
        model.eval()
        with torch.no_grad():
            flatten(model(*module.inputs()), "out", arrays, to_np)
        arrays.update({f"w:{k}": to_np(v) for k, v in model.state_dict().items()})
    np.savez(out_path, **arrays)


def mlx_phase(path, npz_path, result):
    sys.meta_path.insert(0, parity.BlockTorch(os.path.dirname(path)))
    import mlx.core as mx
    stage = "import"
    try:
        module = parity.load_module(os.path.dirname(path), os.path.basename(path))
        to_np = lambda a: np.array(a.astype(mx.float32) if mx.issubdtype(a.dtype, mx.floating) else a)
        arrays = dict(np.load(npz_path))
        got = {}
        if hasattr(module, "compute"):
            stage = "compute"
            flatten(module.compute(), "out", got, to_np)
        elif hasattr(module, "train"):
            from mlx.utils import tree_flatten, tree_unflatten
            stage = "build"
            model = module.build()
            stage = "load weights"
            _, _, error = parity.load_weights(model, arrays, {}, lambda m: print(m, file=sys.stderr))
            if error:
                result["error"] = f"load weights: {error}"
                return
            steps = []

            def take_step(optimizer):
                named = tree_flatten(model.trainable_parameters())
                grads = tree_unflatten([(n, mx.array(gradient(n, tuple(p.shape), len(steps)))) for n, p in named])
                optimizer.update(model, grads)
                mx.eval(model.parameters(), optimizer.state)
                # MLX evaluates a schedule before each update: the state now holds the rate used.
                steps.append({"lr": float(optimizer.learning_rate), "params": dict(tree_flatten(model.trainable_parameters()))})

            stage = "train"
            result_value = module.train(model, take_step)
            flatten({"result": result_value, "steps": steps}, "out", got, to_np)
        else:
            stage = "build"
            model = module.build()
            model.eval()
            stage = "load weights"
            mapping_path = Path(os.path.dirname(path), parity.MAPPING_FILE)
            mapping = json.loads(mapping_path.read_text()) if mapping_path.exists() else {}
            _, _, error = parity.load_weights(model, arrays, mapping, lambda m: print(m, file=sys.stderr))
            if error:
                result["error"] = f"load weights: {error}"
                return
            stage = "forward"
            # A channels-last port takes NHWC (NLC...) inputs and may return NHWC feature maps:
            # move axes at the boundary as the weight map says for the model's own class (not
            # for the blocks inside it), like parity.py does.
            in_layouts = parity.layouts(module, mapping, "inputs", model)
            inputs = [mx.moveaxis(x, 1, -1) if in_layouts.get(i) in parity.CHANNELS_LAST else x
                      for i, x in enumerate(module.inputs())]
            output = model(*inputs)
            if parity.layouts(module, mapping, "outputs", model).get(0) in parity.CHANNELS_LAST:
                output = mx.moveaxis(output, -1, 1)
            flatten(output, "out", got, to_np)
        stage = "compare"
        want = {k: v for k, v in arrays.items() if k.startswith("out")}
        if set(got) != set(want):
            result["error"] = f"result structure differs: MLX {sorted(got)} vs torch {sorted(want)}"
            return
        tolerance = getattr(module, "TOLERANCE", 1e-5)
        lr_tolerance = getattr(module, "LR_TOLERANCE", 1e-7)
        worst = worst_lr = 0.0
        for key in sorted(want):
            g, w = got[key], want[key]
            if g.shape != w.shape:
                result["error"] = f"{key}: MLX shape {list(g.shape)} vs torch {list(w.shape)}"
                return
            if g.dtype.kind in "iub" and w.dtype.kind in "iub":
                if not np.array_equal(g, w):
                    result["error"] = f"{key}: integer results differ"
                    return
                continue
            g, w = g.astype(np.float64), w.astype(np.float64)
            if w.size and not np.isfinite(w).any() and not getattr(module, "NONFINITE_RESULT", False):
                # NaN matches NaN: a result torch computes as all NaN or inf compares nothing.
                result["error"] = f"{key}: torch's result has no finite value, so the comparison tests nothing"
                return
            same = (g == w) | (np.isnan(g) & np.isnan(w))
            diff = np.where(same, 0.0, np.abs(g - w))
            scale = float(np.abs(w[np.isfinite(w)]).max()) if np.isfinite(w).any() else 0.0
            err = float(diff.max()) if diff.size else 0.0
            worst = max(worst, err)
            if key.endswith("/lr"):
                worst_lr = max(worst_lr, err)
                if not err <= lr_tolerance:
                    result["error"] = f"{key}: learning rate differs by {err:.3g} (more than {lr_tolerance:g})"
                    return
                continue
            if not np.isfinite(err) or err > tolerance * max(scale, 1.0) + 1e-6:
                result["error"] = f"{key}: max abs error {err:.3g} exceeds {tolerance:g} (scale {scale:.3g})"
                return
        result["max_abs"] = worst
        if worst_lr:
            result["max_lr_abs"] = worst_lr
    except Exception as e:
        traceback.print_exc()
        result["error"] = f"{stage}: {type(e).__name__}: {e}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--torch", required=True)
    ap.add_argument("--mlx", required=True)
    ap.add_argument("--phase", choices=["torch", "mlx"])
    ap.add_argument("--npz")
    args = ap.parse_args()
    if args.phase == "torch":
        torch_phase(os.path.abspath(args.torch), args.npz)
        return 0
    if args.phase == "mlx":
        result = {"ok": False, "max_abs": None, "error": None}
        mlx_phase(os.path.abspath(args.mlx), args.npz, result)
        result["ok"] = result["error"] is None
        print(json.dumps(result))
        return 0 if result["ok"] else 1
    with tempfile.TemporaryDirectory() as tmp:
        npz = os.path.join(tmp, "torch.npz")
        me = os.path.abspath(__file__)
        base = [sys.executable, "-P", me, "--torch", args.torch, "--mlx", args.mlx, "--npz", npz]
        torch_run = subprocess.run(base + ["--phase", "torch"], capture_output=True, text=True, timeout=600)
        if torch_run.returncode != 0:
            sys.stderr.write(torch_run.stderr)
            print(json.dumps({"ok": False, "max_abs": None, "error": "torch phase failed: " + torch_run.stderr.strip().splitlines()[-1]}))
            return 1
        mlx_run = subprocess.run(base + ["--phase", "mlx"], capture_output=True, text=True, timeout=600)
        sys.stderr.write(mlx_run.stderr)
        print(mlx_run.stdout.strip().splitlines()[-1] if mlx_run.stdout.strip() else json.dumps({"ok": False, "error": mlx_run.stderr.strip()[-500:]}))
        return mlx_run.returncode


if __name__ == "__main__":
    sys.exit(main())
