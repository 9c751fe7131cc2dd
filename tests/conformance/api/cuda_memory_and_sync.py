# A training script's memory report: synchronise, read the allocator's statistics, reset the
# peak, empty the cache. torch without a GPU cannot run most of these (synchronize and the
# resets raise for lack of a driver, the statistics are 0), so what is compared is what both
# can give: each call returns the kind torch documents (None, an int of bytes), and the
# statistics keep their relations while arrays are allocated. The MLX side runs every call.
import numpy as np
import torch


def returns_none(call):
    """None, or the error of torch built without CUDA (no driver to synchronise with)."""
    try:
        return call() is None
    except (RuntimeError, AssertionError):
        return True


def compute():
    before = torch.cuda.memory_allocated()
    x = torch.tensor(np.arange(1 << 16, dtype=np.float32))
    y = (x[:64] * 2).sum()
    synced = returns_none(lambda: torch.cuda.synchronize())
    allocated = torch.cuda.memory_allocated()
    peak = torch.cuda.max_memory_allocated()
    reserved = torch.cuda.memory_reserved()
    stats = [allocated, peak, reserved]
    reset = returns_none(lambda: torch.cuda.reset_peak_memory_stats())
    reset_max = returns_none(lambda: torch.cuda.reset_max_memory_allocated())
    reset_cached = returns_none(lambda: torch.cuda.reset_max_memory_cached())
    peak_after_reset = torch.cuda.max_memory_allocated()
    emptied = torch.cuda.empty_cache() is None
    return {
        "kinds": [all(isinstance(v, int) for v in stats), synced, reset, reset_max, reset_cached, emptied],
        "relations": [allocated >= before, peak >= allocated, reserved >= allocated, peak_after_reset >= 0],
        "value": y,
    }
