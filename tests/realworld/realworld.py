#!/usr/bin/env python3
"""The real-world corpus: public model packages from PyPI, ported whole by portui and run
against torch. See tests/realworld/README.md for the table's format and what each stage means.

    realworld.py [--subset ci] [--only NAME,...] [--jobs N] [--threshold 0.8] [--markdown]
                 [--portui PATH] [--work DIR] [--results FILE]
    realworld.py --report FILE [--markdown]     # reprint a saved run without running it

For each model of tests/realworld/models.toml: fetch the pinned package (pip download --no-deps,
cached), copy the model's module and what it imports from its own package into a work dir,
`portui apply DIR --accept-all`, then in two fresh interpreters run the torch original and the
port (torch unimportable) on the same weights and inputs; compare outputs, the loss and every
gradient; and, for entries with a training script, train both (tests/py/training.py).
One line per model, then `realworld: N of M models match torch`."""
import argparse
import concurrent.futures
import difflib
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import traceback
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests" / "py"))
import audit  # noqa: E402
import closure  # noqa: E402
import parity  # noqa: E402  (torch blocking, weight mapping, layouts, output comparison)

TABLE = HERE / "models.toml"
TRAINING = REPO / "tests" / "py" / "training.py"
DEFAULT_TIMEOUT = 300  # seconds per phase
README_BEGIN, README_END = "<!-- realworld report: begin -->", "<!-- realworld report: end -->"
TOP_APIS = 40  # rows of the markdown report's "torch APIs left" table
SEED = 0


def cache_dir():
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "portui-tests" / "realworld"


# ----------------------------------------------------------------------------- setup
def ensure_requirements(python, requirements):
    """The packages' own dependencies, pinned, installed into the test venv once (a marker in the
    venv remembers them; tests/run.sh rebuilds the venv when its own pins change). `no_deps` ones
    are installed without their dependencies (torchvision would otherwise replace torch)."""
    prefix = subprocess.run([python, "-c", "import sys; print(sys.prefix)"], capture_output=True,
                            text=True, check=True).stdout.strip()
    marker = Path(prefix, ".portui-realworld-requirements")
    with_deps, no_deps = requirements.get("pip", []), requirements.get("no_deps", [])
    wanted = " ".join(with_deps) + " | no deps: " + " ".join(no_deps)
    if marker.exists() and marker.read_text() == wanted:
        return
    print(f"realworld: installing {wanted} into {prefix}", file=sys.stderr)
    if with_deps:
        subprocess.run([python, "-m", "pip", "install", "--quiet", *with_deps], check=True)
    if no_deps:
        subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", *no_deps], check=True)
    marker.write_text(wanted)


def fetch(python, dist, version, top):
    """Unpacked source of `dist==version` (wheel or sdist) in the cache; returns the directory
    that holds the top-level package `top`."""
    dest = cache_dir() / f"{dist}-{version}"
    done = dest / ".portui-root"
    if done.exists():
        return Path(done.read_text())
    with tempfile.TemporaryDirectory(prefix="portui-realworld-") as tmp:
        subprocess.run([python, "-m", "pip", "download", "--quiet", "--no-deps", "-d", tmp, f"{dist}=={version}"],
                       check=True, stdout=subprocess.DEVNULL)
        (archive,) = list(Path(tmp).iterdir())
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        if archive.suffix in (".whl", ".zip"):
            with zipfile.ZipFile(archive) as z:
                z.extractall(dest)
        else:
            with tarfile.open(archive) as t:
                t.extractall(dest, filter="data")
    roots = sorted((p.parent.parent for p in dest.rglob(f"{top}/__init__.py")), key=lambda p: len(p.parts))
    if not roots:
        raise RuntimeError(f"{dist}-{version}: no package {top!r} inside")
    done.write_text(str(roots[0]))
    return roots[0]


# ----------------------------------------------------------------------------- both phases
def make_inputs(specs, seed):
    import numpy as np
    rng = np.random.default_rng(seed)
    out = []
    for s in specs:
        dtype = s.get("dtype", "float32")
        if dtype.startswith("float"):
            x = rng.uniform(float(s.get("low", 0.0)), float(s.get("high", 1.0)), s["shape"]).astype(np.float32)
        elif dtype == "bool":
            x = rng.random(s["shape"]) < float(s.get("p", 0.5))
        else:
            x = rng.integers(int(s.get("low", 0)), int(s["high"]), s["shape"]).astype(np.int64)
        out.append(x)
    return out


def first(out):
    while isinstance(out, (tuple, list)):
        out = out[0]
    return out


def import_model_module(src, module):
    sys.path.insert(0, str(src))
    return importlib.import_module(module)


def torch_phase(job):
    import numpy as np
    import torch
    torch.set_num_threads(int(os.environ.get("PORTUI_REALWORLD_THREADS", "1")))
    entry = job["entry"]
    module = import_model_module(job["src"], entry["module"])
    ns = dict(module.__dict__)
    torch.manual_seed(SEED)
    model = eval(entry["build"], ns)
    model.eval()
    if entry.get("fill_zero_parameters"):
        # Zero-initialised gains (Karras' magnitude-preserving U-Net) make every output 0 in
        # both frameworks, which would compare nothing: seeded values make each layer count.
        generator = torch.Generator().manual_seed(SEED)
        with torch.no_grad():
            for p in model.parameters():
                if p.is_floating_point() and not p.any():
                    p.copy_(torch.rand(p.shape, generator=generator) * 0.5 + 0.5)
    raw = make_inputs(entry["inputs"], SEED)
    inputs = [torch.from_numpy(x).to(getattr(torch, s.get("dtype", "float32"))) for x, s in zip(raw, entry["inputs"])]
    call = entry.get("call", "model(*inputs)")
    with torch.no_grad():
        out = first(eval(call, {**ns, "model": model, "inputs": inputs}))

    def to_np(t):
        return t.detach().cpu().float().numpy() if t.is_floating_point() else t.detach().cpu().numpy()

    torch.save(model.state_dict(), job["checkpoint"])  # what `portui convert-weights` converts
    arrays = {f"w:{k}": to_np(v) for k, v in model.state_dict().items() if torch.is_tensor(v)}
    arrays.update({f"in:{i}": x for i, x in enumerate(raw)})
    arrays["out"] = to_np(out)
    if entry.get("loss"):
        model.zero_grad(set_to_none=True)
        out = first(eval(call, {**ns, "model": model, "inputs": inputs}))
        loss = eval(entry["loss"], {**ns, "out": out})
        loss.backward()
        arrays["loss"] = np.array(loss.item(), dtype=np.float64)
        for name, p in model.named_parameters():
            if p.requires_grad:
                arrays[f"g:{name}"] = to_np(p.grad) if p.grad is not None else np.zeros(p.shape, np.float32)
    np.savez(job["npz"], **arrays)


class Failure(Exception):
    """A check that did not hold (not an exception of the port)."""


def mlx_phase(job, result):
    import numpy as np
    sys.meta_path.insert(0, parity.BlockTorch(job["mlx"]))
    import mlx.core as mx
    import mlx.nn as nn
    from mlx.utils import tree_flatten
    entry, warn = job["entry"], (lambda msg: print(f"realworld: warning: {msg}", file=sys.stderr))
    result["stage"] = "import"
    module = import_model_module(job["mlx"], entry["module"])
    mapping_path = Path(job["mlx"], parity.MAPPING_FILE)
    mapping = json.loads(mapping_path.read_text()) if mapping_path.exists() else {}
    ns = dict(module.__dict__)
    result["stage"] = "build"
    mx.random.seed(SEED)
    model = eval(entry["build"], ns)
    if hasattr(model, "eval"):
        model.eval()
    result["stage"] = "load weights"
    convert = subprocess.run([job["portui"], "convert-weights", job["src"], job["checkpoint"], "--port", job["mlx"],
                              "--out", job["weights"], "--python", job["python"]], capture_output=True, text=True)
    Path(job["weights"]).with_suffix(".log").write_text(convert.stdout + convert.stderr)
    if convert.returncode != 0:
        raise Failure(f"convert-weights: {convert_error(convert.stdout + convert.stderr)}")
    model.load_weights(job["weights"])  # strict: every parameter and no other, as convert-weights promised
    mx.eval(model.parameters())
    arrays = dict(np.load(job["npz"]))
    result["stage"] = "inputs"
    in_layouts = parity.layouts(module, mapping, "inputs", model)
    out_layout = parity.layouts(module, mapping, "outputs", model).get(0)
    inputs = []
    for i, spec in enumerate(entry["inputs"]):
        x = arrays[f"in:{i}"]
        if in_layouts.get(i) in parity.CHANNELS_LAST:
            x = np.moveaxis(x, 1, -1)
        dtype = spec.get("dtype", "float32").replace("int64", "int32")
        inputs.append(mx.array(x).astype(getattr(mx, dtype)))
    call = entry.get("call", "model(*inputs)")

    def run(*ins):
        out = first(eval(call, {**ns, "model": model, "inputs": list(ins)}))
        if out_layout in parity.CHANNELS_LAST:
            out = mx.moveaxis(out, -1, 1)
        return out

    result["stage"] = "forward"
    out = run(*inputs)
    mx.eval(out)
    result["stage"] = "compare"
    got = np.array(out.astype(mx.float32) if mx.issubdtype(out.dtype, mx.floating) else out)
    if arrays["out"].size and not arrays["out"].any():
        # Zero-initialised output layers: the comparison would test nothing
        # (fill_zero_parameters gives them values).
        raise Failure("torch's output is all zeros: set fill_zero_parameters for this model")
    error = parity.compare(got, arrays["out"], result["tolerance"], result)
    if error:
        raise Failure(error)
    if not entry.get("loss"):
        return
    result["stage"] = "loss"
    loss_fn = lambda *ins: eval(entry["loss"], {**ns, "out": run(*ins)})
    loss, grads = nn.value_and_grad(model, loss_fn)(*inputs)
    mx.eval(loss, grads)
    want = float(arrays["loss"])
    result["loss_abs"] = abs(loss.item() - want)
    if result["loss_abs"] > result["tolerance"] * max(1.0, abs(want)):
        raise Failure(f"loss {loss.item():.6g} vs torch {want:.6g}")
    result["stage"] = "gradients"
    torch_names = [k[2:] for k in arrays if k.startswith("g:")]
    mapped, skipped, _ = parity.map_torch_names(torch_names, model, mapping, warn)
    got_grads = dict(tree_flatten(grads))
    modules = dict(model.named_modules())
    worst, missing = (0.0, None), []
    for tname, name in mapped.items():
        if name in skipped:
            continue
        if name not in got_grads:
            missing.append(tname)
            continue
        owner, leaf = parity.weight_owner(name)
        g = parity.to_mlx_layout(arrays["g:" + tname], modules.get(owner), leaf)
        mg = np.array(got_grads[name].astype(mx.float32))
        if mg.shape != g.shape:
            raise Failure(f"gradient of {tname}: shape {list(mg.shape)} vs torch {list(g.shape)}")
        err = float(np.abs(mg - g).max()) / max(1.0, float(np.abs(g).max())) if g.size else 0.0
        if worst[1] is None or err > worst[0]:  # (a tuple max would compare a name with None)
            worst = (err, tname)
    result["grad_max"], result["grads_checked"] = worst[0], len(mapped) - len(skipped) - len(missing)
    if missing:
        raise Failure(f"{len(missing)} torch gradient(s) with no MLX gradient (first: {missing[0]})")
    if worst[0] > result["grad_tolerance"]:
        raise Failure(f"gradient of {worst[1]}: max error {worst[0]:.3g} (relative to max(1, |g|)) "
                      f"exceeds {result['grad_tolerance']:g}")
    result["stage"] = "done"


def locate(exc, mlx_dir, src_dir):
    """Where the exception left the port: the innermost frame in a ported file (and, for a
    SyntaxError, the file and line it names), with the original line it was written from."""
    mlx_dir = str(Path(mlx_dir).resolve())
    frames = [(f.filename, f.lineno, f.name) for f in traceback.extract_tb(exc.__traceback__)]
    if isinstance(exc, SyntaxError) and exc.filename:
        frames.append((exc.filename, exc.lineno or 0, "<module>"))
    m = re.search(r"\(from (.+?):(\d+)\)", str(exc)) if isinstance(exc, ImportError) else None
    if m:  # BlockTorch names the port's line that imported torch, possibly deep inside a library
        frames.append((os.path.join(mlx_dir, m.group(1)), int(m.group(2)), "<module>"))
    port = [f for f in frames if str(Path(f[0]).resolve()).startswith(mlx_dir + os.sep)]
    where = {}
    if frames and frames[-1] not in port[-1:]:
        lib = frames[-1]
        where["library"] = f"{shorten(lib[0])}:{lib[1]} in {lib[2]}"
    if port:
        path, line, _ = port[-1]
        rel = os.path.relpath(Path(path).resolve(), mlx_dir)
        where["port"] = {"file": rel, "line": line, "code": source_line(path, line)}
        orig = Path(src_dir, rel)
        if orig.exists():
            oline = map_line(orig.read_text(encoding="utf-8"), Path(path).read_text(encoding="utf-8"), line)
            where["orig"] = {"file": rel, "line": oline, "code": source_line(orig, oline)}
    return where


def shorten(path):
    for marker in ("site-packages/", "lib/python"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def source_line(path, line):
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()[line - 1].strip()[:160]
    except (OSError, IndexError, UnicodeDecodeError):
        return ""


def map_line(orig, port, line):
    """1-based line of the original that port line `line` was written from (difflib alignment:
    an unchanged line maps exactly, a rewritten one to its counterpart in the replaced block)."""
    a, b = orig.splitlines(), port.splitlines()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if j1 <= line - 1 < j2:
            if tag == "equal":
                return i1 + (line - 1 - j1) + 1
            return min(i1 + (line - 1 - j1), max(i2 - 1, i1)) + 1
    return line


def run_phase_main(args):
    job = json.loads(Path(args.job).read_text())
    if args.phase == "torch":
        torch_phase(job)
        return
    entry = job["entry"]
    result = {"stage": "start", "error": None, "tolerance": float(entry.get("tolerance", 1e-4)),
              "grad_tolerance": float(entry.get("grad_tolerance", 1e-4)), "max_abs": None}
    try:
        mlx_phase(job, result)
    except Failure as e:
        result["error"] = str(e)
    except BaseException as e:  # noqa: BLE001  (the port's own failure is the measurement)
        traceback.print_exc()
        result["error"] = f"{type(e).__name__}: {e}"
        result["exception"] = type(e).__name__
        result["where"] = locate(e, job["mlx"], job["src"])
    Path(job["result"]).write_text(json.dumps(result, default=str))


# ----------------------------------------------------------------------------- one model
def subprocess_run(cmd, timeout, **kw):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    except subprocess.TimeoutExpired:
        return None


def run_model(entry, ctx):
    """Everything for one model; returns its result dict (never raises)."""
    name, t0 = entry["name"], time.monotonic()
    res = {"name": name, "package": entry["package"], "ok": False, "stage": None, "error": None}
    try:
        _run_model(entry, ctx, res)
    except Exception as e:  # noqa: BLE001  a bug here must not stop the other models
        res.update(stage=res["stage"] or "driver", error=f"{type(e).__name__}: {e}")
    res["seconds"] = round(time.monotonic() - t0, 1)
    res["class"] = classify(res)
    return res


def _run_model(entry, ctx, res):
    pkg = ctx["packages"][entry["package"]]
    timeout = float(entry.get("timeout", DEFAULT_TIMEOUT))
    work = Path(ctx["work"], entry["name"])
    if work.exists():
        shutil.rmtree(work)
    src, mlx = work / "src", work / "src_mlx"
    res["stage"] = "port"
    ported_with = [ctx["packages"][k] for k in entry.get("ports_with", [])]
    files = closure.closure(pkg["root"], entry["module"], {p["top"]: p["root"] for p in ported_with})
    for rel, text in files.items():
        Path(src, rel).parent.mkdir(parents=True, exist_ok=True)
        Path(src, rel).write_text(text, encoding="utf-8")
    if entry.get("train"):
        (src / "train_realworld.py").write_text(entry["train"]["script"], encoding="utf-8")
    res["files"] = len(files)
    proc = subprocess_run([ctx["portui"], "apply", str(src), "--accept-all"], timeout)
    if proc is None or proc.returncode != 0:
        out = "" if proc is None else (proc.stderr + proc.stdout)
        lines = [ln for ln in out.splitlines() if "error" in ln.lower() or "not written" in ln.lower()]
        res["error"] = "timed out" if proc is None else (lines or out.strip().splitlines() or ["?"])[0][:300]
        res["apply_output"] = out[-2000:]
        return
    res["audit"] = summarize_audit(audit.audit_port(mlx, src, map_line, source_line,
                                                           own=(pkg["top"], *(p["top"] for p in ported_with))))
    job = {"entry": entry, "src": str(src), "mlx": str(mlx), "npz": str(work / "torch.npz"),
           "checkpoint": str(work / "torch_state.pt"), "weights": str(work / "weights.safetensors"),
           "result": str(work / "mlx.json"), "portui": ctx["portui"], "python": ctx["python"]}
    Path(work, "job.json").write_text(json.dumps(job))
    write_bench_config(src, entry, files)
    base = [ctx["python"], "-P", str(Path(__file__).resolve()), "--job", str(work / "job.json")]
    env = {**os.environ, "PORTUI_REALWORLD_THREADS": str(ctx["threads"])}
    res["stage"] = "torch"
    proc = subprocess_run(base + ["--phase", "torch"], timeout, env=env)
    if proc is None or proc.returncode != 0:
        res["error"] = "timed out" if proc is None else last_error_line(proc.stderr)
        Path(work, "torch.log").write_text("" if proc is None else proc.stdout + proc.stderr)
        return
    res["stage"] = "mlx"
    proc = subprocess_run(base + ["--phase", "mlx"], timeout, env=env)
    Path(work, "mlx.log").write_text("" if proc is None else proc.stdout + proc.stderr)
    if proc is None:
        res["error"] = f"timed out after {timeout:g}s"
        return
    if not Path(job["result"]).exists():
        res["error"] = f"MLX phase died (exit {proc.returncode}): {last_error_line(proc.stderr)}"
        return
    got = json.loads(Path(job["result"]).read_text())
    res.update({k: got.get(k) for k in ("stage", "error", "exception", "where", "max_abs", "loss_abs",
                                         "grad_max", "grads_checked")})
    if got["error"]:
        return
    res["stage"] = "done"
    if entry.get("train"):
        res["stage"] = "train"
        t = entry["train"]
        cmd = [ctx["python"], str(TRAINING), "--torch-dir", str(src), "--mlx-dir", str(mlx),
               "--script", "train_realworld.py", "--model-class", t["model_class"], "--steps", str(t.get("steps", 5))]
        proc = subprocess_run(cmd, timeout, env=env)
        Path(work, "train.log").write_text("" if proc is None else proc.stdout + proc.stderr)
        if proc is None:
            res["error"] = f"training timed out after {timeout:g}s"
            return
        lines = proc.stdout.strip().splitlines()
        out = json.loads(lines[-1]) if lines else {"error": f"no output (exit {proc.returncode})"}
        res["train"] = {k: out.get(k) for k in ("torch_losses", "mlx_losses", "first_step_abs")}
        if out.get("error"):
            res["error"] = out["error"]
            res["where"] = where_from_traceback(proc.stderr, mlx, src)
            return
        res["stage"] = "done"
    res["ok"] = True


def write_bench_config(src, entry, files):
    """The [bench] section `portui convert-weights` reads to build the port's model: the model's
    file (its module, found among the copied files) and build expression, with its inputs."""
    rel = entry["module"].replace(".", "/")
    file = next(f for f in (rel + ".py", rel + "/__init__.py") if f in files)
    inputs = ", ".join("{ " + ", ".join(f"{k} = {json.dumps(v)}" for k, v in spec.items()) + " }"
                       for spec in entry["inputs"])
    Path(src, "portui.toml").write_text(  # JSON strings are TOML basic strings
        f"[bench]\nfile = {json.dumps(file)}\nmodel = {json.dumps(entry['build'])}\ninputs = [{inputs}]\n",
        encoding="utf-8")


def convert_error(output):
    """convert-weights' own reason: its `portui:` line, or the missing and unexpected keys it lists."""
    lines = [ln.strip() for ln in output.strip().splitlines() if ln.strip()]
    reason = [ln for ln in lines if ln.startswith("portui:") or "missing" in ln or "unexpected" in ln]
    return "; ".join(reason or lines[-1:] or ["?"])[:300]


def summarize_audit(found):
    """{api: {"n": uses, "first": location}} of the torch left in a port, and unused imports."""
    apis, by_file = {}, {}
    for use in found["uses"]:
        a = apis.setdefault(use["api"], {"n": 0, "first": {k: use[k] for k in ("port", "orig", "code")}})
        a["n"] += 1
        per = by_file.setdefault(use["port"].rpartition(":")[0], {})
        per[use["api"]] = per.get(use["api"], 0) + 1
    return {"uses": len(found["uses"]), "apis": apis, "by_file": by_file,
            "unused_imports": found["unused_imports"]}


def last_error_line(text):
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][:300] if lines else "?"


def where_from_traceback(text, mlx, src):
    """The last frame of a printed traceback that is in the port (training.py prints them)."""
    hits = re.findall(r'File "([^"]+)", line (\d+)', text)
    mlx_s = str(Path(mlx).resolve()) + os.sep
    port = [(p, int(n)) for p, n in hits if str(Path(p).resolve()).startswith(mlx_s)]
    if not port:
        return None
    path, line = port[-1]
    rel = os.path.relpath(Path(path).resolve(), mlx)
    where = {"port": {"file": rel, "line": line, "code": source_line(path, line)}}
    orig = Path(src, rel)
    if orig.exists():
        oline = map_line(orig.read_text(encoding="utf-8"), Path(path).read_text(encoding="utf-8"), line)
        where["orig"] = {"file": rel, "line": oline, "code": source_line(orig, oline)}
    return where


# ----------------------------------------------------------------------------- diagnosis
CLASSES = [
    # (stage regex, error regex, class template); first match wins; groups fill the template
    ("port", r"(not written|would not parse|does not parse)", "port does not parse"),
    ("port", r".", "portui apply failed"),
    ("torch", r".", "CORPUS: the torch original failed (fix the table)"),
    ("import", r"the MLX port imported '(torch(?:\.[a-z_]+)?)", "torch import survives: {0}"),
    (".", r"the MLX port imported '(torch(?:\.[a-z_]+)?)", "torch imported at run time: {0}"),
    (".", r"No module named '([^']+)'", "module missing under MLX: {0}"),
    (".", r"module 'mlx\.core' has no attribute '(\w+)'", "mx.{0} does not exist (a torch name kept)"),
    (".", r"module 'mlx\.nn' has no attribute '(\w+)'", "nn.{0}: no such MLX layer"),
    (".", r"module 'mlx\.nn\.init' has no attribute '(\w+)'", "nn.init.{0}: no such MLX initialiser"),
    (".", r"'mlx\.core\.array' object has no attribute '(\w+)'", "Tensor method .{0}() has no rewrite"),
    (".", r"'(\w+)' object has no attribute '(\w+)'", "{0}.{1} missing in MLX"),
    (".", r"got an unexpected keyword argument '(\w+)'", "keyword argument {0}= not translated"),
    (".", r"name '(\w+)' is not defined", "name {0} undefined in the port"),
    (".", r"\[conv\] Expect the input channels", "channels-last: a conv gets a channels-first input"),
    (".", r"^(\w+Error): \[(\w+)\]", "MLX op [{1}] rejects its arguments ({0})"),
    ("load weights", r"shape", "convert-weights: shape/layout mismatch"),
    ("load weights", r"missing|unexpected", "convert-weights: names do not match (portui-weights.json)"),
    ("load weights", r".", "convert-weights failed"),
    ("compare", r"shape", "output shape differs"),
    ("compare", r"exceeds tolerance|non-finite", "output numbers differ (silent)"),
    ("loss", r".", "loss differs"),
    ("gradients", r".", "gradients differ"),
    ("train", r"first losses differ", "training: first loss differs"),
    ("train", r"did not go down", "training: loss does not fall"),
]


def blockers(res):
    """For a surviving torch import: {family: [api, ...]} of the torch uses in the failing file
    (what keeps the import), or the family of the import line itself when it names one
    (`from einops.layers.torch import Rearrange`)."""
    where, au = res.get("where") or {}, res.get("audit") or {}
    if res.get("stage") != "import" or res.get("exception") not in ("ImportError", "ModuleNotFoundError"):
        return {}
    if not where.get("port"):
        return {}
    found = {}
    for api in sorted(au.get("by_file", {}).get(where["port"]["file"], {})):
        found.setdefault(audit.family(api), []).append(api)
    if not found:
        found["torch import kept with no torch use left in its file"] = []
    return found


def classify(res):
    if res["ok"]:
        return "ok"
    if blockers(res):
        return "torch import survives"
    stage, error = res.get("stage") or "", res.get("error") or ""
    if "timed out" in error:
        return f"timeout in {stage}"
    if res.get("where", {}) and "einops" in str(res.get("where", {}).get("library", "")):
        return "einops on mx arrays: " + (res.get("exception") or "error")
    for st, pattern, template in CLASSES:
        if re.match(st, stage) or st == ".":
            m = re.search(pattern, error)
            if m:
                return template.format(*m.groups())
    what, head = res.get("exception") or stage, error.split(":")[0][:60]
    return what if head == what else f"{what}: {head}"


def describe(res):
    """The per-model line."""
    if res["ok"]:
        extra = f"max_abs {res['max_abs']:.2e}"
        if res.get("grad_max") is not None:
            extra += f", loss {res['loss_abs']:.1e}, {res['grads_checked']} grads {res['grad_max']:.1e}"
        if res.get("train"):
            tr = res["train"]
            extra += f", trained {tr['mlx_losses'][0]:.4f} -> {tr['mlx_losses'][-1]:.4f}"
        return f"ok    {res['name']:<28} {extra} ({res['seconds']}s)"
    stage = {"mlx": "forward"}.get(res["stage"], res["stage"])
    line = f"FAIL  {res['name']:<28} {stage}: {one_line(res['error'], 220)}"
    if res.get("max_abs") is not None:
        line += f" (max_abs {res['max_abs']:.2e})"
    line += location(res)
    return line


def location(res):
    where = res.get("where") or {}
    text = ""
    if where.get("port"):
        p = where["port"]
        text += f"\n      at port {p['file']}:{p['line']}: {p['code']}"
    if where.get("orig"):
        o = where["orig"]
        text += f"\n      from    {o['file']}:{o['line']}: {o['code']}"
    if where.get("library"):
        text += f"\n      raised in {where['library']}"
    kept = kept_by(res)
    if kept:
        text += f"\n      the import stays for: {kept}"
        text += "\n      classes: " + "; ".join(blockers(res))
    au = res.get("audit")
    if au and au["uses"]:
        text += (f"\n      torch left in the port: {au['uses']} uses of {len(au['apis'])} APIs: "
                 + top_apis(au["apis"], 6))
    return text


def top_apis(apis, n):
    top = sorted(apis.items(), key=lambda kv: (-kv[1]["n"], kv[0]))
    return ", ".join(f"{api} x{a['n']}" for api, a in top[:n]) + (", ..." if len(top) > n else "")


def kept_by(res):
    """For a surviving torch import: the torch uses in the same ported file, which keep it."""
    where, au = res.get("where") or {}, res.get("audit") or {}
    if res.get("stage") != "import" or not where.get("port") or not au.get("apis"):
        return ""
    found = {api: {"n": n} for api, n in au.get("by_file", {}).get(where["port"]["file"], {}).items()}
    return top_apis(found, 5) if found else "no use in that file (an import portui keeps unused)"


def one_line(text, n):
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


def summary(results):
    n = sum(r["ok"] for r in results)
    return n, len(results), f"realworld: {n} of {len(results)} models match torch"


def markdown(results, meta):
    out = []
    n, m, last = summary(results)
    out.append(f"Run of {meta.get('date', '?')} ({meta.get('scope', 'all')}, {meta.get('seconds', '?')} s, "
               f"{meta.get('jobs', '?')} jobs), portui {meta.get('portui_commit', '?')}.\n")
    out.append("| model | package | status | max error | torch left | what still needs a person |")
    out.append("|---|---|---|---|---|---|")
    for r in results:
        err = f"{r['max_abs']:.1e}" if r.get("max_abs") is not None else "–"
        if r["ok"]:
            need, status = "–", "ok" + (" (trained)" if r.get("train") else "")
        else:
            stage = {"mlx": "forward"}.get(r["stage"], r["stage"])
            status = f"FAIL {stage}"
            where = r.get("where") or {}
            if blockers(r):
                need = (f"torch import kept at `{where['port']['file']}:{where['port']['line']}` "
                        f"for {kept_by(r)}")
            else:
                need = f"{r['class']}: {one_line(r['error'], 140)}"
                if where.get("orig"):
                    need += f" — `{where['orig']['file']}:{where['orig']['line']}`"
        need = need.replace("|", "\\|")
        left = (r.get("audit") or {}).get("uses", "–")
        out.append(f"| {r['name']} | {r['package']} | {status} | {err} | {left} | {need} |")
    out.append("")
    counts = {}
    for r in results:
        if r["ok"]:
            continue
        fams = blockers(r)
        for fam, apis in fams.items():  # a model whose import survives counts in each class keeping it
            e = counts.setdefault("torch import survives: " + fam, {"models": [], "apis": set()})
            e["models"].append(r["name"])
            e["apis"] |= set(apis)
        if not fams:
            counts.setdefault(r["class"], {"models": [], "apis": set()})["models"].append(r["name"])
    if counts:
        out.append("First failure of each model, by class (a model whose torch import survives counts once "
                   "in every class of the torch uses that keep that import):\n")
        out.append("| failure class | models | which | APIs |")
        out.append("|---|---|---|---|")
        for cls, e in sorted(counts.items(), key=lambda kv: (-len(kv[1]["models"]), kv[0])):
            apis = ", ".join(f"`{a}`" for a in sorted(e["apis"])[:8]) + (" ..." if len(e["apis"]) > 8 else "")
            out.append(f"| {cls.replace('|', '/')} | {len(e['models'])} | {', '.join(e['models'])} | {apis} |")
        out.append("")
    apis = {}
    for r in results:
        for api, a in ((r.get("audit") or {}).get("apis") or {}).items():
            e = apis.setdefault(api, {"n": 0, "models": [], "first": a["first"]})
            e["n"] += a["n"]
            e["models"].append(r["name"])
    if apis:
        out.append(f"torch APIs left in the ports ({len(apis)}; the {min(len(apis), TOP_APIS)} used by the most "
                   "models; `torch left` above counts every use in the files the model needs):\n")
        out.append("| torch API left | models | uses | e.g. (original line) |")
        out.append("|---|---|---|---|")
        ranked = sorted(apis.items(), key=lambda kv: (-len(kv[1]["models"]), -kv[1]["n"], kv[0]))
        for api, e in ranked[:TOP_APIS]:
            ex = e["first"]["orig"] or e["first"]["port"]
            out.append(f"| `{api}` | {len(e['models'])} | {e['n']} | `{ex}` |")
        out.append("")
    out.append(last)
    return "\n".join(out)


# ----------------------------------------------------------------------------- driver
def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--subset", help="only the entries whose `subset` list names this (e.g. ci)")
    ap.add_argument("--only", help="comma-separated model names")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--threshold", type=float,
                    default=float(os.environ.get("PORTUI_REALWORLD_THRESHOLD", "0.8")),
                    help="exit 0 iff N >= threshold*M (0 to report without failing)")
    ap.add_argument("--markdown", action="store_true", help="print the markdown report on stdout")
    ap.add_argument("--portui", default=os.environ.get("PORTUI") or str(REPO / "target" / "release" / "portui"))
    ap.add_argument("--python", default=sys.executable, help="the venv with torch, mlx and numpy")
    ap.add_argument("--work", default=str(cache_dir() / "work"))
    ap.add_argument("--results", help="write the results as JSON here (default WORK/results.json)")
    ap.add_argument("--report", help="print a saved results.json instead of running")
    ap.add_argument("--readme", help="also write the markdown report into this file, between "
                    f"{README_BEGIN!r} and {README_END!r}")
    ap.add_argument("--phase", choices=["torch", "mlx"], help=argparse.SUPPRESS)
    ap.add_argument("--job", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        return run_phase_main(args)

    if args.report:
        saved = json.loads(Path(args.report).read_text())
        results, meta = saved["results"], saved["meta"]
        for r in results:  # the diagnosis may have improved since the run
            r["class"] = classify(r)
    else:
        results, meta = run_all(args)
    n, m, last = summary(results)
    if args.readme:
        path = Path(args.readme)
        text = path.read_text(encoding="utf-8")
        begin, end = text.index(README_BEGIN) + len(README_BEGIN), text.index(README_END)
        path.write_text(text[:begin] + "\n" + markdown(results, meta) + "\n" + text[end:], encoding="utf-8")
    if args.markdown:
        print(markdown(results, meta))
    else:
        print(last)
    sys.exit(0 if m and n >= args.threshold * m else 1)


def run_all(args):
    table = tomllib.loads(TABLE.read_text())
    entries = table["model"]
    if args.subset:
        entries = [e for e in entries if args.subset in e.get("subset", [])]
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {e["name"] for e in entries}
        if unknown:
            sys.exit(f"realworld: no model named {', '.join(sorted(unknown))}")
        entries = [e for e in entries if e["name"] in wanted]
    if not Path(args.portui).exists():
        sys.exit(f"realworld: no portui binary at {args.portui} (cargo build --release, or --portui PATH)")
    t0 = time.monotonic()
    ensure_requirements(args.python, table["requirements"])
    packages = {}
    for key in sorted({k for e in entries for k in [e["package"], *e.get("ports_with", [])]}):
        p = table["package"][key]
        packages[key] = {**p, "root": str(fetch(args.python, p["dist"], p["version"], p["top"]))}
    Path(args.work).mkdir(parents=True, exist_ok=True)
    ctx = {"packages": packages, "portui": str(Path(args.portui).resolve()), "python": args.python,
           "work": args.work, "threads": 1 if args.jobs > 1 else os.cpu_count() or 1}
    out = sys.stderr if args.markdown else sys.stdout
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for res in pool.map(lambda e: run_model(e, ctx), entries):  # in table order
            results.append(res)
            print(describe(res), file=out, flush=True)
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    meta = {"date": time.strftime("%Y-%m-%d"), "scope": f"subset {args.subset}" if args.subset else
            ("selected" if args.only else "all"), "seconds": round(time.monotonic() - t0),
            "jobs": args.jobs, "portui_commit": commit or "?"}
    results_path = Path(args.results or Path(args.work, "results.json"))
    results_path.write_text(json.dumps({"meta": meta, "results": results}, indent=1, default=str))
    if args.markdown:
        print(summary(results)[2], file=sys.stderr)
    return results, meta


if __name__ == "__main__":
    main()
