#!/usr/bin/env python3
"""Runs the API table's generated cases (tests/api_table.rs writes them): each case is a torch
call from a table entry's test, in a function of a generated module, and portui's MLX port of
that module has the same function. Both run on the same inputs; the results must agree.

    api_cases.py --manifest cases.json --torch DIR --mlx DIR

The manifest lists the cases: {"name", "module", "family", "kind" (call | layer), "compare"
(values | shape | abs: absolute values, for results unique up to sign or phase | moments: the
mean and standard deviation over all elements, for random results of many draws), "tolerance",
"inputs" (pool names, for layers), "layout"}. A call case is a function whose parameters are
pool names; a layer case is a function that builds a module, called on `inputs`. A layer of
layout "channels-last" gets its MLX inputs with the channel axis (1) moved last, and its MLX
outputs have it moved back, as a port's callers would do. A layer whose port is a plain
function (a loss module becomes a lambda) is called as it is. Prints one JSON object
{case: {"status": ok | skip | fail, "error", "max_abs"}}:
`skip` when torch itself raises at that family's shapes (the case does not apply there).
The MLX phase cannot import torch."""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import traceback
import zlib

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import parity  # noqa: E402  (module loading, torch blocking, weight loading)

FAMILIES = {"A": (3, 4), "B": (2, 3, 4), "C": (5,)}


def pool(family):
    """The test pool at one family's shapes (README of the table: src/api/table/torch.api)."""
    shape = FAMILIES[family]
    square = (2, 4, 4) if family == "B" else (4, 4)

    def rng(name):
        return np.random.default_rng(zlib.crc32(f"{family}:{name}".encode()))

    def normal(name, s):
        return rng(name).standard_normal(s).astype(np.float32)

    a = normal("s", square)
    spd = (a @ np.swapaxes(a, -1, -2) + 4 * np.eye(4, dtype=np.float32)).astype(np.float32)
    return {
        "x": normal("x", shape), "y": normal("y", shape), "z": normal("z", shape),
        "p": rng("p").uniform(0.5, 2.0, shape).astype(np.float32),
        "u": rng("u").uniform(-0.9, 0.9, shape).astype(np.float32),
        "b": rng("b").random(shape) > 0.5, "c": rng("c").random(shape) > 0.5,
        "i": rng("i").integers(0, 3, shape).astype(np.int64),
        "n": rng("n").integers(1, 5, shape).astype(np.int64),
        "v": normal("v", (4,)), "w": normal("w", (4, 5)), "m": normal("m", square), "s": spd,
        "k": rng("k").integers(0, 3, (2,)).astype(np.int64),
        "t": np.array(normal("t", (1,))[0], dtype=np.float32),
        "img": normal("img", (2, 3, 8, 8)), "seq": normal("seq", (2, 3, 8)),
        "tok": rng("tok").integers(0, 10, (2, 5)).astype(np.int64),
        "lab": rng("lab").integers(0, 4, (3,)).astype(np.int64),
        "prob": rng("prob").uniform(0.05, 0.95, (3, 4)).astype(np.float32),
        "fmap": normal("fmap", (2, 8, 4, 6)), "vol": normal("vol", (2, 3, 4, 5, 6)),
    }


def flatten(value, prefix, out, to_np, probe=None):
    """Nested results → {path: numpy array}; the structure is compared through the paths. A
    function or module result is compared by what it returns for `probe` (the pool's x)."""
    if callable(value) and probe is not None and not hasattr(value, "shape"):
        flatten(value(probe), f"{prefix}()", out, to_np)
    elif isinstance(value, (tuple, list)):
        out[f"{prefix}#len"] = np.array(len(value))
        for i, item in enumerate(value):
            flatten(item, f"{prefix}/{i}", out, to_np)
    elif isinstance(value, dict):
        for key in sorted(value):
            flatten(value[key], f"{prefix}/{key}", out, to_np)
    elif isinstance(value, np.ndarray):
        out[prefix] = value
    elif isinstance(value, str):
        out[f"{prefix}#str"] = np.array(value)
    elif type(value).__name__ in ("dtype", "Dtype"):  # torch.float32 and mx.float32 by name
        out[f"{prefix}#dtype"] = np.array(str(value).rsplit(".", 1)[-1])
    elif isinstance(value, (bool, int, float, complex)) or value is None:
        out[prefix] = np.array(value if value is not None else np.nan)
        out[f"{prefix}#type"] = np.array(type(value).__name__)
    else:
        out[prefix] = to_np(value)


def kind(array):
    return {"b": "bool", "i": "int", "u": "int", "f": "float", "c": "complex"}.get(array.dtype.kind, array.dtype.kind)


def compare(got, want, case):
    """None when the results agree, else why not; and the largest difference."""
    if set(got) != set(want):
        return f"result structure differs: MLX {sorted(got)} vs torch {sorted(want)}", None
    tolerance = case.get("tolerance") or 1e-5
    worst = 0.0
    for key in sorted(want):
        g, w = got[key], want[key]
        if key.endswith(("#type", "#len", "#str", "#dtype")):
            if g.tolist() != w.tolist():
                return f"{key}: MLX {g.tolist()} vs torch {w.tolist()}", None
            continue
        if g.shape != w.shape:
            return f"{key}: MLX shape {list(g.shape)} vs torch {list(w.shape)}", None
        if kind(g) != kind(w):
            return f"{key}: MLX dtype {g.dtype} ({kind(g)}) vs torch {w.dtype} ({kind(w)})", None
        if case["compare"] == "shape":
            continue
        if case["compare"] == "moments":  # many random draws: their statistics
            g, w = [np.array([a.mean(), a.std()]) if a.size else a.astype(np.float64) for a in (g, w)]
        if kind(w) in ("bool", "int"):
            if not np.array_equal(g, w):
                return f"{key}: values differ (MLX {g.ravel()[:6].tolist()} vs torch {w.ravel()[:6].tolist()})", None
            continue
        g, w = g.astype(np.complex128 if kind(w) == "complex" else np.float64), w.astype(np.complex128 if kind(w) == "complex" else np.float64)
        if case["compare"] == "abs":  # unique up to each vector's sign or phase
            g, w = np.abs(g), np.abs(w)
        same = (g == w) | (np.isnan(g) & np.isnan(w))
        diff = np.where(same, 0.0, np.abs(g - w))
        finite = np.isfinite(w)
        scale = float(np.abs(w[finite]).max()) if finite.any() else 0.0
        err = float(diff.max()) if diff.size else 0.0
        worst = max(worst, err)
        if not np.isfinite(err) or err > tolerance * max(scale, 1.0) + 1e-6:
            return f"{key}: max abs error {err:.3g} exceeds {tolerance:g} (scale {scale:.3g})", worst
    return None, worst


def load_modules(directory, cases):
    modules = {}
    for name in sorted({c["module"] for c in cases}):
        modules[name] = parity.load_module(directory, name + ".py")
    return modules


def torch_phase(args, cases, out_path):
    import torch
    # resolve_conj: torch.conj and the Hermitian FFTs return lazily conjugated views.
    to_np = lambda t: t.detach().cpu().resolve_conj().resolve_neg().numpy() if t.dtype != torch.bfloat16 else t.detach().cpu().float().numpy()
    modules = load_modules(args.torch, cases)
    arrays, status = {}, {}
    for case in cases:
        data = pool(case["family"])
        function = getattr(modules[case["module"]], case["name"])
        try:
            torch.manual_seed(0)
            if case["kind"] == "layer":
                model = function()
                if isinstance(model, torch.nn.Module):
                    model.eval()
                inputs = [torch.from_numpy(data[n].copy()) for n in case["inputs"]]
                with torch.no_grad():
                    result = model(*inputs)
                for k, v in (model.state_dict() if isinstance(model, torch.nn.Module) else {}).items():
                    arrays[f"{case['name']}|w:{k}"] = to_np(v)
            else:
                names = function.__code__.co_varnames[: function.__code__.co_argcount]
                result = function(*[torch.from_numpy(data[n].copy()) for n in names])
            out = {}
            flatten(result, "out", out, to_np, probe=torch.from_numpy(data["x"].copy()))
            arrays.update({f"{case['name']}|{k}": v for k, v in out.items()})
            status[case["name"]] = "ran"
        except Exception as e:  # the case does not apply at these shapes
            status[case["name"]] = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
    np.savez(out_path, **arrays)
    with open(out_path + ".json", "w") as f:
        json.dump(status, f)


def mlx_phase(args, cases, npz_path):
    sys.meta_path.insert(0, parity.BlockTorch(args.mlx))
    import mlx.core as mx
    import mlx.nn as nn
    to_np = lambda a: np.array(a.astype(mx.float32) if a.dtype == mx.bfloat16 else a)
    status = json.load(open(npz_path + ".json"))
    stored = dict(np.load(npz_path))
    results = {}
    try:
        modules = load_modules(args.mlx, cases)
    except Exception as e:
        traceback.print_exc()
        return {c["name"]: {"status": "fail", "error": f"import: {type(e).__name__}: {e}"} for c in cases}
    for case in cases:
        name = case["name"]
        if status.get(name) != "ran":
            results[name] = {"status": "skip", "error": status.get(name)}
            continue
        want = {k.split("|", 1)[1]: v for k, v in stored.items() if k.startswith(name + "|") and not k.startswith(name + "|w:")}
        data = pool(case["family"])
        function = getattr(modules[case["module"]], name)
        try:
            mx.random.seed(0)
            if case["kind"] == "layer":
                model = function()
                weights = {k.split("|", 1)[1]: v for k, v in stored.items() if k.startswith(name + "|w:")}
                if isinstance(model, nn.Module) or weights:
                    _, _, error = parity.load_weights(model, weights, {}, lambda m: None)
                    if error:
                        results[name] = {"status": "fail", "error": f"load weights: {error}"}
                        continue
                    model.eval()
                channels_last = case.get("layout") == "channels-last"
                inputs = [mx.array(data[n]) for n in case["inputs"]]
                if channels_last:
                    inputs = [mx.moveaxis(a, 1, -1) if a.ndim > 1 else a for a in inputs]
                result = model(*inputs)
                if channels_last:
                    result = mx.moveaxis(result, -1, 1) if result.ndim > 1 else result
            else:
                names = function.__code__.co_varnames[: function.__code__.co_argcount]
                result = function(*[mx.array(data[n]) for n in names])
            got = {}
            flatten(result, "out", got, to_np, probe=mx.array(data["x"]))
            error, worst = compare(got, want, case)
            results[name] = {"status": "fail" if error else "ok", "error": error, "max_abs": worst}
        except Exception as e:
            results[name] = {"status": "fail", "error": f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"}
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--torch", required=True)
    ap.add_argument("--mlx", required=True)
    ap.add_argument("--phase", choices=["torch", "mlx"])
    ap.add_argument("--npz")
    args = ap.parse_args()
    cases = json.load(open(args.manifest))
    if args.phase == "torch":
        torch_phase(args, cases, args.npz)
        return 0
    if args.phase == "mlx":
        print(json.dumps(mlx_phase(args, cases, args.npz)))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        npz = os.path.join(tmp, "torch.npz")
        base = [sys.executable, "-P", os.path.abspath(__file__), "--manifest", args.manifest, "--torch", args.torch, "--mlx", args.mlx, "--npz", npz]
        run = subprocess.run(base + ["--phase", "torch"], capture_output=True, text=True, timeout=1800)
        if run.returncode != 0:
            sys.stderr.write(run.stderr)
            print(json.dumps({"error": "torch phase failed: " + (run.stderr.strip().splitlines() or [""])[-1]}))
            return 1
        run = subprocess.run(base + ["--phase", "mlx"], capture_output=True, text=True, timeout=1800)
        sys.stderr.write(run.stderr)
        print(run.stdout.strip().splitlines()[-1] if run.stdout.strip() else json.dumps({"error": "MLX phase failed: " + run.stderr.strip()[-500:]}))
        return run.returncode


if __name__ == "__main__":
    sys.exit(main())
