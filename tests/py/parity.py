#!/usr/bin/env python3
"""Numerical parity check between a torch fixture and portui's MLX port of it.
    parity.py --torch-dir DIR --mlx-dir DIR [--config DIR/portui.toml] [--seed 0]
Runs the [bench] model of the config (default <torch-dir>/portui.toml) in torch and in MLX, same
weights and inputs, and prints ONE JSON line to stdout (everything else goes to stderr):
{"ok", "max_abs", "max_rel", "tolerance", "unmatched_torch", "unmatched_mlx", "error"}; exit 0 iff ok.
The weight-mapping contract (portui-weights.json) is in README.md next to this file."""
import argparse
import importlib.abc
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import tomllib
import traceback
from collections import defaultdict
from pathlib import Path

import numpy as np

MAPPING_FILE = "portui-weights.json"
CHANNELS_LAST = {"NLC": 3, "NHWC": 4, "NDHWC": 5}  # layout name -> rank; channels move from axis 1 to -1
PHASE_TIMEOUT = 600


def load_module(directory, file):
    """Import `file` from `directory` as a plain module (the fixtures have no packages)."""
    directory = os.path.abspath(directory)
    path = Path(directory, file)
    # As for a script: its own directory first (its siblings, the port's shims beside it),
    # then the project's root.
    sys.path[:0] = list(dict.fromkeys([str(path.parent), directory]))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module  # dataclasses look their module up in sys.modules
    spec.loader.exec_module(module)
    return module


# ----------------------------------------------------------------------------- torch phase
def torch_phase(bench, torch_dir, seed, out_path):
    import torch
    module = load_module(torch_dir, bench["file"])
    torch.manual_seed(seed)
    model = eval(bench["model"], module.__dict__)
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    inputs = []
    for spec in bench["inputs"]:
        dtype = getattr(torch, spec.get("dtype", "float32"))
        if dtype.is_floating_point:  # uniform in [low, high)
            low, high = float(spec.get("low", 0.0)), float(spec.get("high", 1.0))
            x = (torch.rand(spec["shape"], generator=gen) * (high - low) + low).to(dtype)
        else:
            x = torch.randint(int(spec.get("low", 0)), int(spec["high"]), spec["shape"], generator=gen, dtype=dtype)
        inputs.append(x)
    with torch.no_grad():
        out = model(*inputs)
    out = out[0] if isinstance(out, (tuple, list)) else out

    def to_np(t):  # floats travel as float32 (numpy has no bfloat16); ints and bools as they are
        return t.detach().cpu().float().numpy() if t.is_floating_point() else t.detach().cpu().numpy()

    arrays = {f"w:{k}": to_np(v) for k, v in model.state_dict().items() if torch.is_tensor(v)}
    arrays.update({f"in:{i}": to_np(x) for i, x in enumerate(inputs)})
    arrays["out"] = to_np(out)
    np.savez(out_path, **arrays)


# ----------------------------------------------------------------------------- MLX phase
class BlockTorch(importlib.abc.MetaPathFinder):
    """Make `import torch` fail loudly, naming the line of the port that tried it.
    (A port that only *optionally* imports torch inside try/except ImportError still works.)"""

    def __init__(self, mlx_dir):
        self.mlx_dir = os.path.abspath(mlx_dir)

    def find_spec(self, name, path=None, target=None):
        if name != "torch" and not name.startswith("torch."):
            return None
        frame, where = sys._getframe(1), ""
        while frame is not None and not frame.f_code.co_filename.startswith(self.mlx_dir):
            frame = frame.f_back
        if frame is not None:
            where = f" (from {os.path.relpath(frame.f_code.co_filename, self.mlx_dir)}:{frame.f_lineno})"
        raise ImportError(f"the MLX port imported {name!r}{where}; torch is not importable in the MLX phase")


def layouts(module, mapping, key, model=None):
    """{index: layout} of the model's inputs/outputs: module-level PORTUI_<KEY> first, the
    mapping file overrides. Mapping entries name their class: a project with a CNN and a
    language model has layouts for the CNN only, which must not apply to the other. Without
    `model` (a one-model snippet) every entry applies."""
    found = {}
    own = [e for e in mapping.get(key, [])
           if model is None or e.get("class") in (None, type(model).__name__)]
    for source in (getattr(module, "PORTUI_" + key.upper(), None) or [], own):
        found.update({e.get("index", pos): e["layout"] for pos, e in enumerate(source)})
    unknown = set(found.values()) - set(CHANNELS_LAST) - {"NCL", "NCHW", "NCDHW"}
    if unknown:
        raise ValueError(f"unknown {key} layout(s) {sorted(unknown)}")
    return found


def weight_owner(name):
    """(module path, leaf) of a parameter, a weight norm's g and v counting as the weight they
    make (`conv.weight_g`, `conv.parametrizations.weight.original1`): they move as it does."""
    parts = name.split(".")
    if len(parts) >= 3 and parts[-3] == "parametrizations" and parts[-1] in ("original0", "original1"):
        return ".".join(parts[:-3]), parts[-2]
    owner, _, leaf = name.rpartition(".")
    if leaf.endswith(("_g", "_v")):
        leaf = leaf[:-2]
    return owner, leaf


def to_mlx_layout(w, module, leaf):
    """torch conv weights are channels-first; MLX's are channels-last. Decided by the MLX module
    type at the destination, never by shape (Conv2d(3, 16, 3) is (16, 3, 3, 3) both ways)."""
    import mlx.nn as nn
    k = tuple(range(2, w.ndim))
    if w.ndim < 3:  # a weight norm's g over every axis is 0-d
        return w
    if leaf == "weight" and isinstance(module, (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)):
        return w.transpose(1, *k, 0)  # (I, O, k...) -> (O, k..., I)
    if leaf == "weight" and isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
        return w.transpose(0, *k, 1)  # (O, I, k...) -> (O, k..., I)
    return w  # biases and everything else: as is


def map_torch_names(torch_names, model, mapping, warn):
    """Return ({torch name: MLX-space name}, skipped MLX-space names, {alias: owner})."""
    where = defaultdict(list)  # MLX class name -> prefixes of its instances ("" is the root)
    for path, m in model.named_modules():  # includes the root as ("", model)
        where[type(m).__name__].append(path + "." if path else "")

    def instances(kind, entry):
        if not where.get(entry["class"]):
            warn(f"{kind} entry {entry} matches no module of class {entry['class']!r} in the MLX model")
        return where.get(entry["class"], [])

    mapped = {name: name for name in torch_names}
    # aliases and drops are named relative to their class
    aliases = {p + a["name"]: p + a["owner"] for a in mapping.get("aliases", []) for p in instances("alias", a)}
    dropped = {p + d["name"] for d in mapping.get("dropped", []) for p in instances("dropped", d)}
    for name in sorted((set(aliases) | dropped) - set(mapped.values())):
        warn(f"mapping names {name!r}, which is not in the torch state dict")
    return mapped, dropped | set(aliases), aliases


def load_weights(model, arrays, mapping, warn):
    """Load the torch state dict into the MLX model. Returns (unmatched_torch, unmatched_mlx, error)."""
    import mlx.core as mx
    from mlx.utils import tree_flatten, tree_map_with_path
    torch_names = [k[2:] for k in arrays if k.startswith("w:") and not k.endswith("num_batches_tracked")]
    mapped, skipped, aliases = map_torch_names(torch_names, model, mapping, warn)
    by_mlx_name = {v: k for k, v in mapped.items()}
    problems = []
    for alias, owner in aliases.items():  # a tie in MLX must have been a tie in torch
        if alias in by_mlx_name and owner not in by_mlx_name:
            problems.append(f"alias {alias!r}: owner {owner!r} is not a torch weight")
        elif alias in by_mlx_name and not np.array_equal(arrays["w:" + by_mlx_name[alias]], arrays["w:" + by_mlx_name[owner]]):
            problems.append(f"alias {alias!r} differs from its owner {owner!r} in torch (not tied)")

    params = dict(tree_flatten(model.parameters()))  # includes frozen arrays (e.g. BatchNorm stats)
    modules = dict(model.named_modules())
    loaded, unmatched_torch = {}, []
    for tname, name in ((t, n) for t, n in mapped.items() if n not in skipped):
        value = arrays["w:" + tname]
        if name not in params:
            unmatched_torch.append({"name": tname, "shape": list(value.shape)})
            continue
        owner, leaf = weight_owner(name)
        value = to_mlx_layout(value, modules.get(owner), leaf)
        if value.shape != tuple(params[name].shape):
            problems.append(f"shape mismatch for {name!r} (torch {tname!r}): torch {list(value.shape)} "
                            f"(in MLX layout) vs MLX {list(params[name].shape)}")
        loaded[name] = value
    unmatched_mlx = [{"name": n, "shape": list(p.shape)} for n, p in params.items() if n not in loaded]
    if unmatched_torch or unmatched_mlx:
        first = lambda xs: f" (first: {xs[0]['name']} {xs[0]['shape']})" if xs else ""
        problems.append(f"{len(unmatched_torch)} torch weight(s){first(unmatched_torch)} and "
                        f"{len(unmatched_mlx)} MLX parameter(s){first(unmatched_mlx)} unmatched")
    if problems:
        return unmatched_torch, unmatched_mlx, "; ".join(problems)

    # Every leaf is loaded, so rebuild the model's own tree rather than tree_unflatten(): that one
    # turns a dict with keys "0", "1" into a list, which update() then fails to index. update()
    # checks names only (strict), never shapes -- checked above. Values take the MLX dtype.
    model.update(tree_map_with_path(lambda n, p: mx.array(loaded[n]).astype(p.dtype), model.parameters()))
    mx.eval(model.parameters())
    return [], [], None


def compare(got, want, tolerance, result):
    if got.shape != want.shape:
        return f"MLX output shape {list(got.shape)} (after any declared layout change) != torch {list(want.shape)}"
    got, want = got.astype(np.float64), want.astype(np.float64)
    if want.size and not np.isfinite(want).any():
        return "torch's output has no finite value (all NaN or inf): there is nothing to compare"
    same = (got == want) | (np.isnan(got) & np.isnan(want))  # equal infs and NaNs are a match
    diff = np.where(same, 0.0, np.abs(got - want))
    max_abs = float(diff.max()) if diff.size else 0.0
    if not np.isfinite(max_abs):
        return "non-finite difference (NaN or inf in only one of the outputs)"
    scale = float(np.abs(want[np.isfinite(want)]).max()) if np.isfinite(want).any() else 0.0
    result["max_abs"], result["max_rel"] = max_abs, max_abs / max(scale, 1e-12)
    return None if max_abs <= tolerance else f"max_abs {max_abs:.3g} exceeds tolerance {tolerance:g}"


def mlx_phase(bench, mlx_dir, npz_path, result):
    sys.meta_path.insert(0, BlockTorch(mlx_dir))
    for name in [n for n in sys.modules if n == "torch" or n.startswith("torch.")]:
        del sys.modules[name]
    import mlx.core as mx
    stage = "import"
    warn = lambda msg: print(f"parity: warning: {msg}", file=sys.stderr)
    try:
        module = load_module(mlx_dir, bench["file"])
        mapping_path = Path(mlx_dir, MAPPING_FILE)
        mapping = json.loads(mapping_path.read_text()) if mapping_path.exists() else {}
        if mapping and mapping.get("version") != 1:
            raise ValueError(f"{MAPPING_FILE}: unsupported version {mapping.get('version')!r}")
        stage = "build"
        model = eval(bench["model"], module.__dict__)
        if hasattr(model, "eval"):
            model.eval()
        stage = "load weights"
        arrays = dict(np.load(npz_path))
        ut, um, error = load_weights(model, arrays, mapping, warn)
        result.update(unmatched_torch=ut, unmatched_mlx=um, error=error)
        if error:
            return
        stage = "inputs"
        in_layouts = layouts(module, mapping, "inputs", model)
        inputs = []
        for i, spec in enumerate(bench["inputs"]):
            x = arrays[f"in:{i}"]
            if in_layouts.get(i) in CHANNELS_LAST:  # torch NC... -> MLX N...C at the boundary
                assert x.ndim == CHANNELS_LAST[in_layouts[i]], f"input {i} rank {x.ndim} vs {in_layouts[i]}"
                x = np.moveaxis(x, 1, -1)
            dtype = spec.get("dtype", "float32").replace("int64", "int32")  # int32: MLX's usual index type
            inputs.append(mx.array(x).astype(getattr(mx, dtype)))  # floats crossed over as float32
        stage = "forward"
        out = model(*inputs)
        out = out[0] if isinstance(out, (tuple, list)) else out
        mx.eval(out)
        got = np.array(out.astype(mx.float32) if mx.issubdtype(out.dtype, mx.floating) else out)
        if layouts(module, mapping, "outputs", model).get(0) in CHANNELS_LAST:
            got = np.moveaxis(got, -1, 1)  # back to torch's channels-first to compare
        stage = "compare"
        result["error"] = compare(got, arrays["out"], result["tolerance"], result)
    except Exception as e:
        traceback.print_exc()
        result["error"] = f"{stage}: {type(e).__name__}: {e}"


# ----------------------------------------------------------------------------- driver
def run_phase(phase, args, extra):
    """Each phase in a fresh interpreter: torch must not even be loaded during the MLX phase.
    -P keeps this script's own directory off sys.path, so only the fixture dirs are importable."""
    cmd = [sys.executable, "-P", os.path.abspath(__file__), "--phase", phase, "--torch-dir", args.torch_dir,
           "--mlx-dir", args.mlx_dir, "--config", args.config, "--seed", str(args.seed), *extra]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=PHASE_TIMEOUT)
    sys.stderr.write(proc.stdout + proc.stderr)  # the fixtures' own prints; stdout stays one JSON line
    return proc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--torch-dir", required=True)
    ap.add_argument("--mlx-dir", required=True)
    ap.add_argument("--config")
    ap.add_argument("--seed", type=int, default=0)
    for internal in ("--phase", "--npz", "--result"):  # used only between this script and its phases
        ap.add_argument(internal, help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.config = args.config or os.path.join(args.torch_dir, "portui.toml")
    with open(args.config, "rb") as f:
        bench = tomllib.load(f)["bench"]
    result = {"ok": False, "max_abs": None, "max_rel": None, "tolerance": float(bench.get("tolerance", 1e-4)),
              "unmatched_torch": [], "unmatched_mlx": [], "error": None}

    if args.phase == "torch":
        return torch_phase(bench, args.torch_dir, args.seed, args.npz)
    if args.phase == "mlx":  # the result goes to a file: the port's own prints may pollute stdout
        mlx_phase(bench, args.mlx_dir, args.npz, result)
        return Path(args.result).write_text(json.dumps(result))

    with tempfile.TemporaryDirectory(prefix="portui-parity-") as tmp:
        npz, res = os.path.join(tmp, "torch.npz"), os.path.join(tmp, "mlx.json")
        try:
            proc = run_phase("torch", args, ["--npz", npz])
            if proc.returncode != 0:
                result["error"] = "torch phase failed: " + (proc.stderr.strip().splitlines() or ["?"])[-1]
            else:
                proc = run_phase("mlx", args, ["--npz", npz, "--result", res])
                if os.path.exists(res):
                    result = json.loads(Path(res).read_text())
                else:  # crashed before it could report (e.g. a segfault)
                    result["error"] = f"MLX phase died (exit {proc.returncode}): " + proc.stderr.strip()[-500:]
        except subprocess.TimeoutExpired as e:  # a hung port must not hang the caller
            result["error"] = f"phase timed out after {e.timeout}s"
    result["ok"] = result["error"] is None and result["max_abs"] is not None
    print(json.dumps(result))
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
