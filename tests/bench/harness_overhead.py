#!/usr/bin/env python3
"""How much does `portui bench` add to the latency it measures? Times the GPT fixture's port with
the harness and with a bare MLX timing loop (same model, inputs, warm-up and iterations, same
interpreter), in alternating order so drift on a shared machine hits both alike, and prints both
medians and the overhead. Target: under 5%.

    tests/bench/harness_overhead.py [--python PY] [--portui BIN] [--iters 300] [--warmup 30] [--rounds 5]

PY needs mlx. Give it one *without* torch (e.g. the venv of `portui bench --setup`) for a
like-for-like comparison: the harness then builds the model and draws the inputs from the same seed
as the bare loop, so both time identical weights and inputs. With torch, the harness loads torch's
weights and runs torch first, which changes what is timed. BIN defaults to `cargo run --release
--quiet --` (honours CARGO_TARGET_DIR)."""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# The bare loop: the port imported the same way (its directory on sys.path), the model built from
# the same [bench] expression, and nothing but mx.eval between two perf_counter calls.
BARE_LOOP = r"""
import importlib.util, json, statistics, sys, time, tomllib
import mlx.core as mx
port, config = sys.argv[1], sys.argv[2]
bench = tomllib.load(open(config, "rb"))["bench"]
sys.path.insert(0, port)
spec = importlib.util.spec_from_file_location("model", f"{port}/{bench['file']}")
module = importlib.util.module_from_spec(spec)
sys.modules["model"] = module
spec.loader.exec_module(module)
mx.random.seed(0)  # as the harness does: without torch, both draw the same weights and inputs
model = eval(bench["model"], module.__dict__)
model.eval()
inputs = [mx.random.randint(int(i["low"]), int(i["high"]), i["shape"]) for i in bench["inputs"]]
for _ in range(bench["warmup"]):
    mx.eval(model(*inputs))
samples = []
loop_start = time.perf_counter()
for _ in range(bench["iters"]):
    start = time.perf_counter()
    mx.eval(model(*inputs))
    samples.append(time.perf_counter() - start)
wall = time.perf_counter() - loop_start
print(json.dumps({"median_ms": statistics.median(samples) * 1000, "wall_per_iter_ms": wall / len(samples) * 1000}))
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--python", default=os.environ.get("PORTUI_TEST_PYTHON",
                                                       str(Path.home() / ".cache/portui-tests/venv/bin/python")))
    ap.add_argument("--portui", help="the portui binary (default: cargo run --release)")
    ap.add_argument("--iters", type=int, default=300)
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    portui = [args.portui] if args.portui else ["cargo", "run", "--release", "--quiet", "--"]

    with tempfile.TemporaryDirectory(prefix="portui-overhead-") as tmp:
        project = Path(tmp, "gpt")
        shutil.copytree(REPO / "fixtures/gpt", project)
        config = project / "portui.toml"
        text = config.read_text()
        text = text.replace("warmup = 2", f"warmup = {args.warmup}").replace("iters = 10", f"iters = {args.iters}")
        config.write_text(text)
        subprocess.run([*portui, "apply", "--accept-all", str(project)], check=True, cwd=REPO,
                       stdout=subprocess.DEVNULL)
        port = Path(tmp, "gpt_mlx")

        def with_harness():
            run = subprocess.run([*portui, "bench", str(project), "--python", args.python, "--format", "json"],
                                 cwd=REPO, capture_output=True, text=True)
            outcome = json.loads(run.stdout)
            if not outcome["result"]:
                sys.exit(f"portui bench failed: {outcome['error']['message']}")
            result = outcome["result"]
            harness.append((result["latency_ms"]["median"], result["timed_wall_s"] * 1000 / result["iters"]))
            return result

        def bare_loop():
            loop = subprocess.run([args.python, "-c", BARE_LOOP, str(port), str(config)],
                                  capture_output=True, text=True, check=True)
            measured = json.loads(loop.stdout.strip().splitlines()[-1])
            bare.append((measured["median_ms"], measured["wall_per_iter_ms"]))

        harness, bare = [], []
        for round in range(args.rounds):
            if round % 2:  # alternate which goes first, so neither always runs on a warmer machine
                bare_loop()
                result = with_harness()
            else:
                result = with_harness()
                bare_loop()
            print(f"round {round + 1}: harness median {harness[-1][0]:.3f} ms, bare median {bare[-1][0]:.3f} ms",
                  file=sys.stderr)

    device = result["mlx"]
    print(f"GPT fixture, {args.iters} timed iterations after {args.warmup} warm-up, median of {args.rounds} "
          f"alternating rounds; MLX {device['version']} on {device['device']} ({device['platform']}; {device['package']})")
    for label, index in (("median latency", 0), ("timed-loop wall time per iteration", 1)):
        with_harness = statistics.median(h[index] for h in harness)
        without = statistics.median(b[index] for b in bare)
        # Paired by round: both halves of a round saw the same machine load.
        paired = statistics.median((h[index] - b[index]) / b[index] * 100 for h, b in zip(harness, bare))
        print(f"{label:<36} harness {with_harness:.3f} ms   bare loop {without:.3f} ms   "
              f"overhead {paired:+.1f}% (median of the rounds' differences)")


if __name__ == "__main__":
    main()
