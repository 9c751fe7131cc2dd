#!/usr/bin/env python3
"""API census: how much of torch's API surface does portui know? The team's census
(`../shared/tools/api_census.py`), runnable from the repo with nothing set up by hand.

Writes one call per torch API named in PaConvert 3.3.1's api_mapping.json (the largest public
table of torch APIs a converter handles; only its list of names and argument names is read,
nothing of PaConvert is run or copied) into a file whose receiver is a known tensor, runs
`portui check --format json`, and sorts each API into:
  rewrite  a finding with an automatic edit,
  manual   a finding without one (the user is told),
  silent   no finding although MLX lacks the name (the port breaks at run time, untold),
  same     no finding and nothing to do (a Tensor method MLX arrays have under the same name).

    tests/bench/api_census.py [--portui target/release/portui] [--list manual] [--complete]

Calls carry no more than their first two positional arguments from PaConvert's argument list
(a tensor for tensor-like names, 1 otherwise), which is the team's census. PaConvert lists no
arguments for many APIs, so those calls lack an argument torch requires (`x.add()`): torch
would reject them, and portui says so (manual). `--complete` takes the missing required
arguments from torch's own signature instead (src/api/names/signatures.py), a second line
that counts what portui does with calls torch accepts.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CACHE = os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "portui-census")
VENV_PYTHON = os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "portui-tests/venv/bin/python")
TENSORISH = {"other", "mat2", "tensor", "vec", "vec1", "vec2", "mat", "mat1", "input", "end", "weight",
             "src", "index", "mask", "value", "exponent", "tensor1", "tensor2", "batch1", "batch2", "target"}


def mapping(python):
    """PaConvert 3.3.1's api_mapping.json, downloaded once into the cache."""
    path = os.path.join(CACHE, "paconvert", "api_mapping.json")
    if not os.path.exists(path):
        os.makedirs(CACHE, exist_ok=True)
        subprocess.run([python, "-m", "pip", "download", "-q", "--no-deps", "-d", CACHE, "paconvert==3.3.1"], check=True)
        wheel = glob.glob(os.path.join(CACHE, "paconvert-3.3.1-*.whl"))[0]
        with zipfile.ZipFile(wheel) as z:
            z.extract("paconvert/api_mapping.json", CACHE)
    return json.load(open(path))


def torch_required(python, names):
    """Required positional parameters per torch API, from torch's own signatures."""
    script = os.path.join(REPO, "src", "api", "names", "signatures.py")
    code = f"""
import json, sys
sys.path.insert(0, {os.path.dirname(script)!r})
import signatures
out = {{}}
for name in json.load(sys.stdin):
    try:
        sig = signatures.signatures(name)[0]
    except Exception:
        continue
    inner = sig[sig.find("(") + 1 : sig.rfind(")")]
    params = []
    for part in [p.strip() for p in inner.split(",")]:
        if part in ("", "/") or part.startswith("*") or "=" in part:
            if part.startswith("*"):
                break
            continue
        params.append(part.split(":")[0].strip())
    out[name] = [p for p in params if p != "self"]
print(json.dumps(out))
"""
    run = subprocess.run([python, "-c", code], input=json.dumps(names), capture_output=True, text=True)
    return json.loads(run.stdout) if run.returncode == 0 else {}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--portui", default=os.path.join(REPO, "target", "release", "portui"))
    ap.add_argument("--python", default=VENV_PYTHON, help="a Python with mlx and torch (tests/run.sh's venv)")
    ap.add_argument("--list", choices=["rewrite", "manual", "silent", "same"])
    ap.add_argument("--complete", action="store_true", help="fill required arguments from torch's signatures")
    ap.add_argument("--min-rewrite", type=int, default=900)
    ap.add_argument("--max-silent", type=int, default=0)
    a = ap.parse_args()
    table = mapping(a.python)
    mlx_methods = set(subprocess.run([a.python, "-c", "import mlx.core as mx; print(' '.join(dir(mx.array)))"],
                                     capture_output=True, text=True, check=True).stdout.split())
    keys = sorted(k for k in table if k.startswith("torch."))
    required = torch_required(a.python, [k for k in keys if not table[k].get("args_list")]) if a.complete else {}

    def args_of(k, skip_first):
        names = []
        listed = table[k].get("args_list")
        for n in listed if listed else required.get(k, []):
            if n.startswith("*"):
                break
            names.append(n)
        names = names[1:] if skip_first and (listed or not k.startswith("torch.Tensor.")) else names
        return ", ".join("y" if n in TENSORISH else "1" for n in names[:2])

    lines = ["import torch", "import torch.nn as nn", "import torch.nn.functional as F", "",
             "def f(n: int):", "    x = torch.zeros(3, 4)", "    y = torch.zeros(3, 4)"]
    index = {}
    for k in keys:
        if k.startswith("torch.Tensor."):
            name = k[len("torch.Tensor."):]
            if "." in name or name.startswith("__"):
                continue
            code = "    z = x.%s(%s)" % (name, args_of(k, False))
        elif k.startswith("torch.nn.functional."):
            rest = args_of(k, True)
            code = "    z = F.%s(x%s)" % (k[len("torch.nn.functional."):], ", " + rest if rest else "")
        elif k.startswith("torch.nn.") and k.split(".")[-1][:1].isupper():
            code = "    z = %s()" % k
        else:
            rest = args_of(k, True)
            code = "    z = %s(x%s)" % (k, ", " + rest if rest else "")
        index[len(lines) + 1] = k
        lines.append(code)
    work = tempfile.mkdtemp(prefix="census-")
    os.makedirs(os.path.join(work, "p"))
    with open(os.path.join(work, "p", "api.py"), "w") as f:
        f.write("\n".join(lines) + "\n")
    run = subprocess.run([a.portui, "check", os.path.join(work, "p"), "--format", "json"], capture_output=True, text=True, timeout=600)
    if run.returncode > 1:
        print("portui check exited %d: %s" % (run.returncode, run.stderr.strip()[-300:]))
        return 2
    by_line = {}
    for finding in json.loads(run.stdout)["findings"]:
        by_line.setdefault(finding["line"], []).append(finding)
    buckets = {"rewrite": [], "manual": [], "silent": [], "same": []}
    for line, k in index.items():
        found = by_line.get(line, [])
        if any(f.get("hunk") is not None and f["applicability"] != "manual" for f in found):
            buckets["rewrite"].append(k)
        elif found:
            buckets["manual"].append(k)
        elif k.startswith("torch.Tensor.") and k.split(".")[-1] in mlx_methods:
            buckets["same"].append(k)
        else:
            buckets["silent"].append(k)
    if a.list:
        print("\n".join(buckets[a.list]))
    label = "with torch's required arguments filled in" if a.complete else "of PaConvert's table"
    print("api census (%d torch APIs %s): rewrite %d, manual %d, silent %d, same name %d (goal: rewrite >= %d, silent <= %d)"
          % (len(index), label, len(buckets["rewrite"]), len(buckets["manual"]), len(buckets["silent"]),
             len(buckets["same"]), a.min_rewrite, a.max_silent))
    return 0 if len(buckets["rewrite"]) >= a.min_rewrite and len(buckets["silent"]) <= a.max_silent else 1


if __name__ == "__main__":
    sys.exit(main())
