#!/usr/bin/env python3
"""Training acceptance: a torch training script and portui's MLX port of it, trained from the
same initial weights on the same data.
    training.py --torch-dir DIR --mlx-dir DIR --script train.py --model-class GPT [--steps N]

Each side runs the script itself (as `__main__`, in a scratch directory) for its first N loss
evaluations, counted where the gradient is taken: torch's `Tensor.backward`, MLX's
`nn.value_and_grad`. At the first one the torch side saves the model's weights (the one live
instance of --model-class); the MLX side loads them into its model by name (portui-weights.json,
conv layouts by module type: see parity.py) before computing its first loss. Data must come from
NumPy in the script (the same numbers under both frameworks); shuffling is turned into the
identity on both sides (`torch.randperm`, `mx.random.permutation`), since the two generators
cannot agree. Dropout must be 0 for the first losses to agree.

Prints one JSON line {"ok", "torch_losses", "mlx_losses", "first_step_abs", "error"}: ok iff the
first losses agree within 1e-4 and the MLX loss after N evaluations is below its first one.
The MLX phase cannot import torch."""
import argparse
import gc
import json
import os
import runpy
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import parity  # noqa: E402  (torch blocking and weight mapping)

FIRST_STEP_TOLERANCE = 1e-4


class Enough(Exception):
    """Raised inside the script once N losses are recorded: the run has shown what it must."""


def run_script(directory, script):
    """The script as `__main__`, its own directory importable, writing into a scratch dir."""
    sys.path.insert(0, os.path.abspath(directory))
    scratch = tempfile.mkdtemp(prefix="portui-training-")
    os.chdir(scratch)
    try:
        runpy.run_path(str(Path(directory, script)), run_name="__main__")
    except Enough:
        pass


def torch_phase(args):
    import torch
    losses = []
    real_backward = torch.Tensor.backward

    def backward(self, *a, **k):
        if not losses:
            models = [o for o in gc.get_objects() if type(o).__name__ == args.model_class]
            assert len(models) == 1, f"{len(models)} live {args.model_class} instances"
            arrays = {f"w:{k}": v.detach().float().numpy() if v.is_floating_point() else v.numpy()
                      for k, v in models[0].state_dict().items()}
            np.savez(args.weights, **arrays)
        losses.append(self.item())
        real_backward(self, *a, **k)
        if len(losses) >= args.steps:
            raise Enough

    torch.Tensor.backward = backward
    torch.randperm = lambda n, **k: torch.arange(n)
    run_script(args.torch_dir, args.script)
    return losses


def mlx_phase(args):
    sys.meta_path.insert(0, parity.BlockTorch(args.mlx_dir))
    import mlx.core as mx
    import mlx.nn as nn
    mapping_path = Path(args.mlx_dir, parity.MAPPING_FILE)
    mapping = json.loads(mapping_path.read_text()) if mapping_path.exists() else {}
    arrays = dict(np.load(args.weights))
    losses = []
    real_value_and_grad = nn.value_and_grad

    def value_and_grad(model, fn):
        inner = real_value_and_grad(model, fn)

        def call(*a, **k):
            if not losses:
                warn = lambda msg: print(f"training: warning: {msg}", file=sys.stderr)
                _, _, error = parity.load_weights(model, arrays, mapping, warn)
                if error:
                    raise RuntimeError(f"loading the torch weights: {error}")
            value, grads = inner(*a, **k)
            loss = value[0] if isinstance(value, (tuple, list)) else value
            losses.append(loss.item())
            if len(losses) >= args.steps:
                raise Enough
            return value, grads

        return call

    nn.value_and_grad = value_and_grad
    mx.random.permutation = lambda n, **k: mx.arange(n)
    run_script(args.mlx_dir, args.script)
    return losses


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--torch-dir", required=True)
    parser.add_argument("--mlx-dir", required=True)
    parser.add_argument("--script", required=True)
    parser.add_argument("--model-class", required=True)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--phase", choices=["torch", "mlx"])
    parser.add_argument("--weights")
    args = parser.parse_args()
    if args.phase:
        try:
            losses = (torch_phase if args.phase == "torch" else mlx_phase)(args)
            print(json.dumps({"losses": losses}))
        except Exception as e:
            traceback.print_exc()
            print(json.dumps({"error": f"{args.phase}: {type(e).__name__}: {e}"}))
        return

    result = {"ok": False, "error": None}
    with tempfile.TemporaryDirectory() as scratch:
        weights = os.path.join(scratch, "initial.npz")
        for phase in ("torch", "mlx"):
            # Each phase in a fresh interpreter (-P: only the script's own directory importable),
            # so torch is not even loaded during the MLX phase.
            command = [sys.executable, "-P", os.path.abspath(__file__), "--phase", phase,
                       "--torch-dir", os.path.abspath(args.torch_dir), "--mlx-dir", os.path.abspath(args.mlx_dir),
                       "--script", args.script, "--model-class", args.model_class,
                       "--steps", str(args.steps), "--weights", weights]
            proc = subprocess.run(command, capture_output=True, text=True, timeout=parity.PHASE_TIMEOUT)
            sys.stderr.write(proc.stdout + proc.stderr)
            lines = proc.stdout.strip().splitlines()
            outcome = json.loads(lines[-1]) if lines else {"error": f"{phase}: no output (exit {proc.returncode})"}
            if outcome.get("error"):
                result["error"] = outcome["error"]
                break
            result[f"{phase}_losses"] = outcome["losses"]
    if not result["error"]:
        torch_losses, mlx_losses = result["torch_losses"], result["mlx_losses"]
        result["first_step_abs"] = abs(torch_losses[0] - mlx_losses[0])
        if len(mlx_losses) < args.steps:
            result["error"] = f"the MLX run stopped after {len(mlx_losses)} of {args.steps} losses"
        elif result["first_step_abs"] > FIRST_STEP_TOLERANCE:
            result["error"] = f"first losses differ: torch {torch_losses[0]} vs MLX {mlx_losses[0]}"
        elif not mlx_losses[-1] < mlx_losses[0]:
            result["error"] = f"the MLX loss did not go down: {mlx_losses[0]} → {mlx_losses[-1]}"
        result["ok"] = result["error"] is None
    print(json.dumps(result))
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
