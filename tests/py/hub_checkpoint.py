#!/usr/bin/env python3
"""portui_shims' torch.hub helpers against torch's own, on one checkpoint:
    hub_checkpoint.py SHIMS_DIR WORK_DIR
torch saves a nested checkpoint (float32, a transposed view, a strided slice, int64, bool,
bfloat16, an nn.Parameter) and loads it through torch.hub.load_state_dict_from_url and
torch.utils.model_zoo.load_url from a file:// URL; then, with torch unimportable, the shims
download and read the same URL. Every tensor must come back equal, with its dtype, and the
hub directories must be torch's. Prints "ok" and exits 0, or names what differs."""
import os
import subprocess
import sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))


def torch_side(work):
    import torch
    import torch.utils.model_zoo

    g = torch.Generator().manual_seed(0)
    model = {
        "linear.weight": torch.randn(3, 4, generator=g),
        "conv.weight": torch.randn(4, 5, generator=g).t(),
        "strided": torch.randn(10, generator=g)[2:9:3],
        "steps": torch.arange(6).reshape(2, 3),
        "mask": torch.tensor([True, False]),
        "half": torch.randn(2, 2, generator=g).bfloat16(),
        "param": torch.nn.Parameter(torch.randn(3, generator=g)),
    }
    torch.save({"model": model, "epoch": 3}, os.path.join(work, "weights-abc.pth"))
    url = "file://" + os.path.join(work, "weights-abc.pth")
    hub = torch.hub.load_state_dict_from_url(url, model_dir=os.path.join(work, "torch-hub"), progress=False)
    zoo = torch.utils.model_zoo.load_url(url, model_dir=os.path.join(work, "torch-zoo"), progress=False)
    assert hub["epoch"] == zoo["epoch"] == 3
    arrays = {k: v.detach().float().numpy() for k, v in hub["model"].items()}
    dtypes = {k: str(v.dtype).removeprefix("torch.") for k, v in zoo["model"].items()}
    np.savez(os.path.join(work, "torch.npz"), **arrays)
    with open(os.path.join(work, "torch.txt"), "w") as f:
        f.write("\n".join([torch.hub.get_dir(), torch.hub._get_torch_home()] + [f"{k} {v}" for k, v in sorted(dtypes.items())]))


def mlx_side(shims, work):
    sys.path.insert(0, here)
    import parity

    sys.meta_path.insert(0, parity.BlockTorch(shims))
    sys.path.insert(0, shims)
    import mlx.core as mx
    import portui_shims

    lines = open(os.path.join(work, "torch.txt")).read().splitlines()
    problems = []
    if [portui_shims.hub_dir(), portui_shims.torch_home()] != lines[:2]:
        problems.append(f"hub directories {portui_shims.hub_dir()}, {portui_shims.torch_home()} != torch's {lines[:2]}")
    want = np.load(os.path.join(work, "torch.npz"))
    url = "file://" + os.path.join(work, "weights-abc.pth")
    got = portui_shims.load_state_dict_from_url(url, model_dir=os.path.join(work, "mlx-hub"))
    if got["epoch"] != 3:
        problems.append(f"epoch {got['epoch']!r}")
    for line in lines[2:]:
        name, dtype = line.split()
        array = got["model"].get(name)
        if array is None:
            problems.append(f"{name} missing")
            continue
        if str(array.dtype).removeprefix("mlx.core.") != dtype:
            problems.append(f"{name}: dtype {array.dtype}, torch {dtype}")
        if not np.array_equal(np.array(array.astype(mx.float32)), want[name]):
            problems.append(f"{name}: values differ")
    print("\n".join(problems) or "ok")
    return 1 if problems else 0


if __name__ == "__main__":
    if sys.argv[1] == "--torch":
        torch_side(sys.argv[2])
    else:
        # torch announces its downloads on stdout, which carries only the verdict.
        subprocess.run([sys.executable, __file__, "--torch", sys.argv[2]], check=True, stdout=sys.stderr)
        sys.exit(mlx_side(sys.argv[1], sys.argv[2]))
