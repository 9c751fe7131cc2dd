"""portui's benchmark harness (embedded in the portui binary; `portui bench` writes it to a temporary
directory and runs it). It times the MLX port of a project's [bench] model and, when torch and the
original import, checks the port against torch with the same weights and inputs.

    python harness.py REQUEST_JSON                 the driver (what portui runs)
    python harness.py --phase torch|mlx REQUEST    one phase, started by the driver

It speaks JSON lines on stdout, one event per line:
    {"event": "progress", "phase": ..., "done": n, "total": m}
    {"event": "result", ...}                      (exactly one result or error, last)
    {"event": "error", "kind": ..., "message": ..., "traceback": ..., "frames": [...], "hint": ...}
Everything else (the model's own prints, warnings) goes to stderr.

Why two phases, each in a fresh interpreter (as tests/py/parity.py does): the MLX phase runs with torch
unimportable, so a port that still needs torch fails here rather than passing on the original's
coattails; and the process whose latency is measured holds no torch thread pools or allocator.
The driver needs only the standard library, the MLX phase only mlx, the torch phase torch and numpy
(weights and inputs travel as .npz, which mx.load reads without numpy).

Why the timing is interleaved: on a busy machine, timing torch first and MLX afterwards compares two
different machines (one run measured torch 100x slower than on the quiet machine). Both phases stay
alive once warm, and the driver asks each in turn (ABBA order) for one timed iteration over their
stdin, so both see the same load; the speed ratio is that of each side's fastest iteration, with the
spread of the rounds' own ratios. Both get the same CPU thread budget: one thread. MLX's CPU backend runs a stream's work on
one thread and has no thread setting (its Linux wheel's BLAS is the single-threaded reference BLAS),
so torch is held to one intra-op and one inter-op thread to match.

The weight mapping (portui-weights.json in the output tree) is the contract of tests/py/README.md."""
import importlib.abc
import importlib.metadata
import importlib.util
import json
import math
import os
import platform
import subprocess
import sys
import threading
import time
import traceback
from collections import defaultdict

from portui_project_module import load_module  # written beside this script by portui

MAPPING_FILE = "portui-weights.json"
CHANNELS_LAST = {"NLC": 3, "NHWC": 4, "NDHWC": 5}  # layout -> rank; channels move from axis 1 to -1
CHANNELS_FIRST = {"NCL", "NCHW", "NCDHW"}
PROGRESS_INTERVAL_S = 0.1  # progress events are throttled: a fast model must not flood the reader
THREADS = 1  # the CPU thread budget of both frameworks (see the module's docstring)
TORCH_NPZ, TORCH_JSON = "torch.npz", "torch.json"


class Events:
    """The JSON-lines channel. In a phase it is a duplicate of the original stdout, and fd 1 itself is
    pointed at stderr, so nothing the model prints (even from C) can corrupt the stream."""

    def __init__(self, stream):
        self.stream = stream
        self.last_progress = 0.0

    def send(self, event, **fields):
        self.stream.write(json.dumps({"event": event, **fields}, default=str) + "\n")
        self.stream.flush()

    def progress(self, phase, done, total):
        now = time.perf_counter()
        if done in (0, total) or now - self.last_progress >= PROGRESS_INTERVAL_S:
            self.last_progress = now
            self.send("progress", phase=phase, done=done, total=total)

    def error(self, kind, message, hint, exc=None):
        fields = {"kind": kind, "message": message, "hint": hint, "traceback": None, "frames": []}
        if exc is not None:
            fields["traceback"], fields["frames"] = user_traceback(exc)
        self.send("error", **fields)


def user_traceback(exc):
    """The traceback without the harness's and importlib's own frames (they only say "the harness
    imported your module"), as text and as {file, line, function, text} frames, innermost last.
    A SyntaxError's location is not a frame, so it is added: it is the line to fix."""
    here = os.path.dirname(os.path.abspath(__file__))  # the harness and its module loader
    stdlib_importlib = os.path.dirname(importlib.util.__file__)
    report = traceback.TracebackException.from_exception(exc)
    report.stack = traceback.StackSummary.from_list(
        [f for f in report.stack if os.path.dirname(os.path.abspath(f.filename)) not in (here, stdlib_importlib)
         and not f.filename.startswith("<frozen")])
    frames = [{"file": f.filename, "line": f.lineno, "function": f.name, "text": f.line} for f in report.stack]
    if isinstance(exc, SyntaxError) and exc.filename and exc.lineno:
        frames.append({"file": exc.filename, "line": exc.lineno, "function": "<module>",
                       "text": (exc.text or "").strip()})
    return "".join(report.format()), frames


def exit_when_parent_goes(on_exit=None):
    """Our stdin is a pipe nobody writes to; it reaches EOF when the parent dies or cancels (even by
    SIGKILL). Then stop at once, so no orphan keeps burning the CPU."""

    def watch():
        while os.read(0, 4096):  # the raw fd: a buffered reader's lock would trip interpreter shutdown
            pass
        if on_exit:
            on_exit()
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


class Commands:
    """A phase's stdin: the driver's commands, one per line. It doubles as the lifeline: at EOF (the
    driver is gone, or cancelled) the phase stops at once, as `exit_when_parent_goes` does."""

    def __init__(self):
        import queue
        self.lines = queue.Queue()
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        pending = b""
        while True:
            chunk = os.read(0, 4096)  # the raw fd, as in exit_when_parent_goes
            if not chunk:
                os._exit(1)
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                self.lines.put(line.decode())

    def next(self):
        return self.lines.get()


def serve_timing(commands, events, run_once):
    """Answer the driver: `time` runs one timed iteration and sends its seconds; `finish` ends.
    Returns the wall time of every turn (the iterations plus the harness's work around them)."""
    wall = 0.0
    while True:
        command = commands.next()
        if command != "time":
            return wall
        start = time.perf_counter()
        run_once()
        turn = time.perf_counter() - start
        wall += turn
        events.send("sample", seconds=turn)


def outputs_of(out):
    """A model may return one array or a tuple/list of them (GPT: logits, loss=None)."""
    return list(out) if isinstance(out, (tuple, list)) else [out]


def quantile(ordered, q):
    """The q-quantile of a sorted list, interpolating linearly."""
    pos = q * (len(ordered) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def summary(samples_s):
    """Latency statistics in milliseconds: median, p10, p90 and the samples."""
    ms = sorted(s * 1000.0 for s in samples_s)
    return {"median": quantile(ms, 0.5), "p10": quantile(ms, 0.1), "p90": quantile(ms, 0.9),
            "samples": [s * 1000.0 for s in samples_s]}


# ----------------------------------------------------------------------------- torch phase
def torch_phase(req, events, commands):
    """The reference: the original model in float32 on the CPU (deterministic), its weights, inputs and
    outputs saved for the MLX phase; then, warm on torch's best device, it times iterations when the
    driver asks."""
    work, info = req["work_dir"], {"version": None, "device": None, "latency_ms": None,
                                   "timing_error": None, "error": None}
    stage = "import"
    try:
        import numpy as np
        import torch
        torch.set_num_threads(THREADS)
        torch.set_num_interop_threads(THREADS)
        info["version"] = torch.__version__
        module = load_module(req["torch_dir"], req["file"])
        stage = "build"
        torch.manual_seed(req["seed"])
        model = eval(req["model"], module.__dict__)
        model.eval()
        stage = "inputs"
        gen = torch.Generator().manual_seed(req["seed"])
        inputs = []
        for spec in req["inputs"]:
            dtype = getattr(torch, spec["dtype"])
            if dtype.is_floating_point:  # uniform in [low, high)
                x = torch.rand(spec["shape"], generator=gen) * (spec["high"] - spec["low"]) + spec["low"]
                inputs.append(x.to(dtype))
            else:
                inputs.append(torch.randint(int(spec["low"]), int(spec["high"]), spec["shape"],
                                            generator=gen, dtype=dtype))
        stage = "run"
        events.progress("torch", 0, req["iters"])
        with torch.no_grad():
            outputs = outputs_of(model(*inputs))

        def to_np(t):  # floats travel as float32 (numpy has no bfloat16); ints and bools as they are
            return t.detach().cpu().float().numpy() if t.is_floating_point() else t.detach().cpu().numpy()

        arrays = {f"w:{k}": to_np(v) for k, v in model.state_dict().items() if torch.is_tensor(v)}
        arrays.update({f"in:{i}": to_np(x) for i, x in enumerate(inputs)})
        arrays.update({f"out:{i}": to_np(o) for i, o in enumerate(outputs) if torch.is_tensor(o)})
        np.savez(os.path.join(work, TORCH_NPZ), **arrays)
    except Exception as e:
        traceback.print_exc()
        info["error"] = {"stage": stage, "message": f"{type(e).__name__}: {e}"}
    run_once = None
    if info["error"] is None:
        try:
            info["device"], run_once = warm_torch(torch, model, inputs, req)
        except Exception as e:  # a device the model cannot run on costs the speed ratio, not parity
            traceback.print_exc()
            info["timing_error"] = f"{type(e).__name__}: {e}"
    with open(os.path.join(work, TORCH_JSON), "w") as f:
        json.dump(info, f)
    events.send("ready", timed=run_once is not None)
    if run_once is not None:
        serve_timing(commands, events, run_once)


def warm_torch(torch, model, inputs, req):
    """Move the model to torch's best device and warm it up; returns the device and one iteration."""
    if torch.cuda.is_available():
        device, sync = "cuda", torch.cuda.synchronize
    elif getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        device, sync = "mps", torch.mps.synchronize
    else:
        device, sync = "cpu", lambda: None
    model = model.to(device)
    inputs = [x.to(device) for x in inputs]

    def run_once():
        with torch.no_grad():
            model(*inputs)
        sync()

    for _ in range(req["warmup"]):
        run_once()
    return device, run_once


# ----------------------------------------------------------------------------- MLX phase
class BlockTorch(importlib.abc.MetaPathFinder):
    """Make `import torch` fail loudly, naming the line of the port that tried it."""

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
        raise ImportError(f"the MLX port imported {name!r}{where}; a port must run without torch")


def layouts(module, mapping, key, model):
    """{index: layout} of the benchmarked model's inputs/outputs: module-level PORTUI_<KEY> first,
    the mapping file overrides. Mapping entries name their class: a project with a CNN and a
    language model has layouts for the CNN only, which must not apply to the other."""
    found = {}
    own = [e for e in mapping.get(key, []) if e.get("class") in (None, type(model).__name__)]
    for source in (getattr(module, "PORTUI_" + key.upper(), None) or [], own):
        found.update({e.get("index", pos): e["layout"] for pos, e in enumerate(source)})
    unknown = set(found.values()) - set(CHANNELS_LAST) - CHANNELS_FIRST
    if unknown:
        raise ValueError(f"{MAPPING_FILE}: unknown {key} layout(s) {sorted(unknown)}")
    return found


def to_mlx_layout(mx, nn, w, module, leaf):
    """torch conv weights are channels-first, MLX's channels-last. Decided by the MLX module type at
    the destination, never by shape (Conv2d(3, 16, 3) is (16, 3, 3, 3) both ways)."""
    k = tuple(range(2, w.ndim))
    if leaf == "weight" and isinstance(module, (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)):
        return mx.transpose(w, (1, *k, 0))  # (I, O, k...) -> (O, k..., I)
    if leaf == "weight" and isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
        return mx.transpose(w, (0, *k, 1))  # (O, I, k...) -> (O, k..., I)
    return w


def map_torch_names(torch_names, model, mapping):
    """Return ({torch name: MLX-space name}, skipped MLX-space names, {alias: owner})."""
    where = defaultdict(list)  # MLX class name -> prefixes of its instances ("" is the root)
    for path, m in model.named_modules():
        where[type(m).__name__].append(path + "." if path else "")

    def instances(kind, entry):
        if not where.get(entry["class"]):
            print(f"portui bench: {kind} entry {entry} matches no module of the MLX model", file=sys.stderr)
        return where.get(entry["class"], [])

    mapped = {name: name for name in torch_names}
    aliases = {p + a["name"]: p + a["owner"] for a in mapping.get("aliases", []) for p in instances("alias", a)}
    dropped = {p + d["name"] for d in mapping.get("dropped", []) for p in instances("dropped", d)}
    return mapped, dropped | set(aliases), aliases


def load_weights(mx, nn, model, arrays, mapping):
    """Load the torch state dict into the MLX model. Returns a dict for the parity report: the names
    that do not line up and why; the model is only updated when everything fits."""
    from mlx.utils import tree_flatten, tree_map_with_path
    torch_names = [k[2:] for k in arrays if k.startswith("w:") and not k.endswith("num_batches_tracked")]
    mapped, skipped, aliases = map_torch_names(torch_names, model, mapping)
    by_mlx_name = {v: k for k, v in mapped.items()}
    problems = []
    for alias, owner in aliases.items():  # a tie in MLX must have been a tie in torch
        if alias in by_mlx_name and owner not in by_mlx_name:
            problems.append(f"alias {alias!r}: owner {owner!r} is not a torch weight")
        elif alias in by_mlx_name and not mx.array_equal(arrays["w:" + by_mlx_name[alias]],
                                                         arrays["w:" + by_mlx_name[owner]]).item():
            problems.append(f"alias {alias!r} differs from its owner {owner!r} in torch (not tied)")

    params = dict(tree_flatten(model.parameters()))  # includes frozen arrays (BatchNorm statistics)
    modules = dict(model.named_modules())
    loaded, unmatched_torch, shape_mismatches = {}, [], []
    for tname, name in ((t, n) for t, n in mapped.items() if n not in skipped):
        value = arrays["w:" + tname]
        if name not in params:
            unmatched_torch.append({"name": tname, "shape": list(value.shape)})
            continue
        owner, _, leaf = name.rpartition(".")
        value = to_mlx_layout(mx, nn, value, modules.get(owner), leaf)
        if tuple(value.shape) != tuple(params[name].shape):
            shape_mismatches.append({"name": name, "torch_name": tname, "torch_shape": list(value.shape),
                                     "mlx_shape": list(params[name].shape)})
        loaded[name] = value
    unmatched_mlx = [{"name": n, "shape": list(p.shape)} for n, p in params.items() if n not in loaded]
    by_name = lambda entry: entry["name"]
    report = {"unmatched_torch": sorted(unmatched_torch, key=by_name), "unmatched_mlx": sorted(unmatched_mlx, key=by_name),
              "shape_mismatches": sorted(shape_mismatches, key=by_name), "problems": problems}
    if unmatched_torch or unmatched_mlx or shape_mismatches or problems:
        return report
    # Every leaf is loaded, so rebuild the model's own tree rather than tree_unflatten(): that one turns
    # a dict with keys "0", "1" into a list, which update() then fails to index. Values take the MLX dtype.
    model.update(tree_map_with_path(lambda n, p: loaded[n].astype(p.dtype), model.parameters()))
    mx.eval(model.parameters())
    return report


def weights_reason(report):
    parts = []
    for key, what in (("unmatched_torch", "torch weight(s) with no MLX parameter"),
                      ("unmatched_mlx", "MLX parameter(s) with no torch weight"),
                      ("shape_mismatches", "shape mismatch(es)")):
        if report[key]:
            parts.append(f"{len(report[key])} {what} (first: {report[key][0]['name']})")
    return "weights do not fit: " + "; ".join(parts + report["problems"])


def compare_output(mx, index, got, want):
    """Max abs and relative error of one output; equal infs and NaNs count as a match. The relative
    error is max_abs over the largest |torch| value (the output's scale), not elementwise."""
    entry = {"index": index, "max_abs": None, "max_rel": None, "at": None, "torch_value": None,
             "mlx_value": None, "problem": None}
    if tuple(got.shape) != tuple(want.shape):
        entry["problem"] = f"shape {list(got.shape)} (MLX, in torch's layout) vs {list(want.shape)} (torch)"
        return entry
    got, want = got.astype(mx.float32), want.astype(mx.float32)
    same = (got == want) | (mx.isnan(got) & mx.isnan(want))
    diff = mx.where(same, 0.0, mx.abs(got - want))
    finite = mx.isfinite(diff)
    if not finite.all().item():
        diff = mx.where(finite, 0.0, mx.inf)  # point `at` to the first non-finite difference
        entry["problem"] = "NaN or inf in only one of the outputs"
    if diff.size == 0:
        entry["max_abs"] = entry["max_rel"] = 0.0
        return entry
    flat = int(mx.argmax(diff.reshape(-1)).item())
    at, rest = [], flat
    for dim in reversed(got.shape):
        at.append(rest % dim)
        rest //= dim
    entry["at"] = at[::-1]
    entry["torch_value"] = want.reshape(-1)[flat].item()
    entry["mlx_value"] = got.reshape(-1)[flat].item()
    if entry["problem"] is None:
        scale = mx.max(mx.where(mx.isfinite(want), mx.abs(want), 0.0)).item()
        entry["max_abs"] = diff.reshape(-1)[flat].item()
        entry["max_rel"] = entry["max_abs"] / max(scale, 1e-12)
    return entry


def parity_of(mx, outputs, arrays, out_layouts, tolerance):
    compared = []
    for i, got in enumerate(outputs):
        want = arrays.get(f"out:{i}")
        if want is None or not isinstance(got, mx.array):
            continue
        if out_layouts.get(i) in CHANNELS_LAST:
            got = mx.moveaxis(got, -1, 1)  # back to torch's channels-first to compare
        compared.append(compare_output(mx, i, got, want))
    failing = [c for c in compared if c["problem"] or c["max_abs"] > tolerance]
    if not compared:
        return "failed", "no output of the MLX model lines up with a torch tensor output", compared
    if failing:
        worst = failing[0]
        how = worst["problem"] or f"max abs error {worst['max_abs']:.3g} exceeds tolerance {tolerance:g}"
        return "failed", f"output {worst['index']}: {how}", compared
    return "held", None, compared


def mlx_info(mx):
    device = mx.default_device()
    kind = "gpu" if device.type == mx.gpu else "cpu"
    if kind == "gpu" and mx.metal.is_available():
        kind = "gpu (Metal)"
    elif kind == "gpu" and hasattr(mx, "cuda") and mx.cuda.is_available():
        kind = "gpu (CUDA)"
    details = None
    for query in (getattr(mx, "device_info", None),
                  mx.metal.device_info if mx.metal.is_available() else None):
        if query is not None:
            try:
                details = {k: v for k, v in query().items() if isinstance(v, (int, float, str, bool))}
                break
            except Exception:  # device_info is best effort: older MLX lacks it off Metal
                pass
    package = "mlx"
    for dist, extra in (("mlx-cuda", "mlx[cuda]"), ("mlx-cpu", "mlx[cpu]")):
        try:
            importlib.metadata.version(dist)
            package = extra
            break
        except importlib.metadata.PackageNotFoundError:
            pass
    return {"version": mx.__version__, "device": kind, "device_info": details,
            "platform": f"{platform.system()} {platform.machine()}", "package": package,
            "python": sys.executable}


MLX_HINTS = {
    "import": "the port fails to import: fix that line in the original (or reject the hunk that wrote "
              "it), then write the port again (`portui apply`)",
    "weights": "portui-weights.json in the output tree does not fit the port: write the port again (`portui apply`)",
    "build": "the [bench] model expression fails on the port: check `model` in portui.toml, then the port's constructor",
    "inputs": "check [bench].inputs in portui.toml and the input layouts in portui-weights.json",
    "run": "the port fails on the [bench] inputs: fix the line the traceback ends in (in the original, "
           "or reject the hunk that wrote it), then write the port again (`portui apply`)",
}


def mlx_phase(req, events, commands):
    mlx_dir = os.path.abspath(req["mlx_dir"])
    sys.meta_path.insert(0, BlockTorch(mlx_dir))
    try:
        import mlx.core as mx
        import mlx.nn as nn
    except ImportError as e:
        return events.error("mlx_missing", f"mlx does not import in {sys.executable}: {e}", MLX_MISSING_HINT, e)
    torch_ref = read_torch_reference(req, mx)
    stage = "import"
    try:
        events.progress("load", 0, 3)
        module = load_module(mlx_dir, req["file"])
        mapping_path = os.path.join(mlx_dir, MAPPING_FILE)
        mapping = {}
        if os.path.exists(mapping_path):
            with open(mapping_path) as f:
                mapping = json.load(f)
            if mapping.get("version") != 1:
                raise ValueError(f"{MAPPING_FILE}: unsupported version {mapping.get('version')!r}")
        stage = "build"
        events.progress("load", 1, 3)
        mx.random.seed(req["seed"])
        model = eval(req["model"], module.__dict__)
        if hasattr(model, "eval"):
            model.eval()
        parity = {"status": "skipped", "reason": torch_ref["skipped"], "tolerance": req["tolerance"],
                  "outputs": [], "unmatched_torch": [], "unmatched_mlx": [], "shape_mismatches": []}
        arrays = torch_ref["arrays"]
        if torch_ref["error"]:
            parity.update(status="failed", reason=torch_ref["error"])
        elif arrays is not None:
            stage = "weights"
            events.progress("load", 2, 3)
            report = load_weights(mx, nn, model, arrays, mapping)
            parity.update({k: report[k] for k in ("unmatched_torch", "unmatched_mlx", "shape_mismatches")})
            if any(report.values()):
                parity.update(status="failed", reason=weights_reason(report))
        stage = "inputs"
        inputs = mlx_inputs(mx, req, arrays, layouts(module, mapping, "inputs", model))
        stage = "run"
        events.progress("load", 3, 3)
        outputs = outputs_of(model(*inputs))
        mx.eval([o for o in outputs if isinstance(o, mx.array)])
        if arrays is not None and parity["status"] != "failed":
            parity["status"], parity["reason"], parity["outputs"] = parity_of(
                mx, outputs, arrays, layouts(module, mapping, "outputs", model), req["tolerance"])
        warm_mlx(mx, model, inputs, req, events)
        samples = []

        def run_once():  # mx.eval, so lazy evaluation is timed too
            start = time.perf_counter()
            mx.eval(model(*inputs))
            samples.append(time.perf_counter() - start)

        events.send("ready", timed=True)
        timed_wall_s = serve_timing(commands, events, run_once)
    except Exception as e:
        traceback.print_exc()
        return events.error(stage, f"{stage}: {type(e).__name__}: {e}", MLX_HINTS[stage], e)
    latency = summary(samples)
    batch = inputs[0].shape[0] if inputs and inputs[0].ndim else 1  # items per call: the first input's axis 0
    # torch's latency and the speed ratio come from the driver, which saw both sides' samples.
    events.send("result", mlx=mlx_info(mx), latency_ms=latency, timed_wall_s=timed_wall_s,
                peak_memory_bytes=mx.get_peak_memory(), warmup=req["warmup"], iters=len(samples),
                batch=batch, throughput=batch / (latency["median"] / 1000.0),
                torch=torch_ref["info"] if torch_ref["info"].get("version") else None,
                speedup=None, parity=parity)


def read_torch_reference(req, mx):
    """What the torch phase left: its info, its arrays (weights, inputs, outputs), or why none."""
    ref = {"info": {}, "arrays": None, "error": None, "skipped": None}
    info_path = os.path.join(req["work_dir"], TORCH_JSON)
    if not os.path.exists(info_path):
        ref["skipped"] = req.get("torch_skipped")
        return ref
    with open(info_path) as f:
        ref["info"] = json.load(f)
    error = ref["info"].pop("error")
    if error:
        ref["error"] = f"the torch original failed ({error['stage']}): {error['message']}"
    else:
        ref["arrays"] = mx.load(os.path.join(req["work_dir"], TORCH_NPZ))
    return ref


def mlx_inputs(mx, req, arrays, in_layouts):
    """torch's own inputs when it ran, else drawn here from the same spec; moved to the port's layout."""
    inputs = []
    for i, spec in enumerate(req["inputs"]):
        dtype = getattr(mx, spec["dtype"].replace("int64", "int32"))  # int32: MLX's usual index type
        if arrays is not None:
            x = arrays[f"in:{i}"]
        elif mx.issubdtype(dtype, mx.floating):
            x = mx.random.uniform(spec["low"], spec["high"], spec["shape"])
        else:
            x = mx.random.randint(int(spec["low"]), int(spec["high"]), spec["shape"])
        layout = in_layouts.get(i)
        if layout in CHANNELS_LAST:  # torch NC... -> MLX N...C at the boundary
            if x.ndim != CHANNELS_LAST[layout]:
                raise ValueError(f"input {i} has rank {x.ndim}; its layout {layout} needs {CHANNELS_LAST[layout]}")
            x = mx.moveaxis(x, 1, -1)
        inputs.append(x.astype(dtype))
    mx.eval(inputs)
    return inputs


def warm_mlx(mx, model, inputs, req, events):
    events.progress("warmup", 0, req["warmup"])
    for i in range(req["warmup"]):
        mx.eval(model(*inputs))
        events.progress("warmup", i + 1, req["warmup"])
    mx.reset_peak_memory()


# ----------------------------------------------------------------------------- driver
MLX_MISSING_HINT = ("run `portui bench --setup` (a managed venv with mlx; add --with-torch for the parity "
                    "check), or pass --python with an interpreter that has mlx (pip install mlx)")


def has_module(name):
    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:  # a missing parent package (find_spec("mlx.core") without mlx)
        return False


class Phase:
    """One phase's process: its events are forwarded to portui, except the timing protocol's own
    (`ready`, `sample`), which the driver consumes."""

    def __init__(self, name, req, events):
        self.name, self.events, self.final = name, events, False
        self.process = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--phase", name, json.dumps(req)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        running.append(self.process)

    def until(self, kind):
        """Forward events until one of `kind`, and return it; None when the phase ended first."""
        for line in self.process.stdout:
            event = json.loads(line)
            if event.get("event") == kind:
                return event
            self.final = self.final or event.get("event") in ("result", "error")
            self.events.stream.write(line)
            self.events.stream.flush()
        return None

    def command(self, text):
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()

    def finish(self):
        """Tell the phase it is done, forward the rest; returns its exit code."""
        try:
            self.command("finish")
            self.process.stdin.close()
        except BrokenPipeError:  # it already exited (after an error)
            pass
        self.until(None)
        return self.process.wait()


running = []  # killed when portui goes away, so no phase outlives the run


def time_interleaved(phases, req, events):
    """One timed iteration of each phase per round, the order alternating (ABBA), so a load that comes
    and goes hits both alike. Returns each phase's samples (seconds), or None if a phase died."""
    samples = {phase.name: [] for phase in phases}
    events.progress("timed", 0, req["iters"])
    for i in range(req["iters"]):
        for phase in (phases if i % 2 == 0 else phases[::-1]):
            phase.command("time")
            sample = phase.until("sample")
            if sample is None and phase.name == "torch":  # costs the speed ratio, not the run
                phases, samples["torch"] = [p for p in phases if p is not phase], None
            elif sample is None:
                return None
            else:
                samples[phase.name].append(sample["seconds"])
        events.progress("timed", i + 1, req["iters"])
    return samples


def speedup_of(torch_samples, mlx_samples):
    """torch's latency over MLX's: the ratio of each side's fastest iteration (the one the load
    disturbed least: under two CPU hogs it stayed within 1.3x of the quiet ratio, where the median
    round moved 2x), and the spread (p10, p90) of the rounds' own ratios."""
    ratios = sorted(t / m for t, m in zip(torch_samples, mlx_samples) if m > 0)
    return {"ratio": min(torch_samples) / min(mlx_samples), "p10": quantile(ratios, 0.1),
            "p90": quantile(ratios, 0.9), "rounds": len(ratios), "threads": THREADS}


def drive(req, events):
    if req.get("lifeline"):
        exit_when_parent_goes(lambda: [p.kill() for p in running])
    if not has_module("mlx.core"):
        return events.error("mlx_missing", f"mlx is not installed in {sys.executable}", MLX_MISSING_HINT)
    torch = None
    if not has_module("torch"):
        req["torch_skipped"] = f"torch is not installed in {sys.executable}"
    elif not has_module("numpy"):
        req["torch_skipped"] = f"numpy is not installed in {sys.executable} (torch hands its weights over through it)"
    else:
        torch = Phase("torch", req, events)
        ready = torch.until("ready")
        if not os.path.exists(os.path.join(req["work_dir"], TORCH_JSON)):  # died before it could say why
            with open(os.path.join(req["work_dir"], TORCH_JSON), "w") as f:
                json.dump({"version": None, "error": {"stage": "crashed",
                                                      "message": f"the torch phase died (exit {torch.process.wait()})"}}, f)
        if not (ready and ready["timed"]):
            torch = None
    mlx = Phase("mlx", req, events)
    samples = time_interleaved([torch, mlx] if torch else [mlx], req, events) if mlx.until("ready") else None
    if torch:
        torch.finish()
    result = None
    if samples is not None:
        mlx.command("finish")
        result = mlx.until("result")
    if result is not None:
        if torch and result.get("torch"):
            if samples["torch"]:
                result["torch"]["latency_ms"] = summary(samples["torch"])
                result["speedup"] = speedup_of(samples["torch"], samples["mlx"])
            else:
                result["torch"]["timing_error"] = "the torch phase died while timing (its log is above)"
        del result["event"]
        events.send("result", **result)
        mlx.final = True
    code = mlx.finish()
    if not mlx.final:
        events.error("crashed", f"the MLX phase died (exit {code}) before reporting; its output is in the log",
                     "a crash inside MLX or a native extension: run the port by hand to see it")


def main():
    if sys.path and sys.path[0] == os.path.dirname(os.path.abspath(__file__)):
        sys.path.pop(0)  # only the project directories are importable, never the harness's temp dir
    if len(sys.argv) == 4 and sys.argv[1] == "--phase":
        events = Events(os.fdopen(os.dup(1), "w"))
        os.dup2(2, 1)  # the model's prints, Python's or C's, go to stderr
        commands = Commands()
        req = json.loads(sys.argv[3])
        torch_phase(req, events, commands) if sys.argv[2] == "torch" else mlx_phase(req, events, commands)
        return
    drive(json.loads(sys.argv[1]), Events(sys.stdout))


if __name__ == "__main__":
    main()
