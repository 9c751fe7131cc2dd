"""Helpers written by portui beside a port, for torch semantics that MLX has no construct for.

Each helper is small, documented and tested against torch in portui's test suite. The port
depends on `mlx` only; nothing here imports portui or torch.
"""

import mlx.core as mx
import mlx.nn as nn


class ModuleDict(nn.Module):
    """torch.nn.ModuleDict: children reachable as attributes *and* items, under torch's names.

    A plain dict keeps parameter names but loses `self.d.name` access.
    """

    def __init__(self, modules=None):
        super().__init__()
        for name, module in (modules or {}).items():
            setattr(self, name, module)


def split(x, split_size_or_sections, axis=0):
    """torch.split: an int is a chunk SIZE (MLX's int is a number of sections); a list is sizes."""
    length = x.shape[axis]
    if isinstance(split_size_or_sections, int):
        sizes = [split_size_or_sections] * (length // split_size_or_sections)
        if length % split_size_or_sections:
            sizes.append(length % split_size_or_sections)
    else:
        sizes = list(split_size_or_sections)
    indices, total = [], 0
    for size in sizes[:-1]:
        total += size
        indices.append(total)
    return mx.split(x, indices, axis=axis)


def expand(x, *sizes):
    """torch's Tensor.expand: -1 keeps a dimension's size, new dimensions go in front.

    mx.broadcast_to needs every size written out.
    """
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    lead = len(sizes) - x.ndim
    shape = tuple(x.shape[i - lead] if size == -1 else size for i, size in enumerate(sizes))
    return mx.broadcast_to(x, shape)


def topk(x, k, axis=-1, largest=True):
    """torch.topk: (values, indices), sorted, largest first. mx.topk returns unsorted values only."""
    order = mx.argsort(-x if largest else x, axis=axis)
    indices = mx.take(order, mx.arange(k), axis=axis)
    return mx.take_along_axis(x, indices, axis=axis), indices


def cross_entropy(logits, targets, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """F.cross_entropy with torch's defaults: classes on axis 1, mean over non-ignored targets.

    MLX's default reduction is 'none', its class axis is the last one, and it has no
    ignore_index (an ignored target would gather a real class) and no class-weighted mean.
    As in torch: class weights scale each target's loss and the mean divides by the weights of
    the targets kept; label smoothing adds label_smoothing / C times the (weighted) sum of
    -log p over the classes; float targets of the logits' shape are class probabilities.
    """
    if logits.ndim > 1:
        logits = mx.moveaxis(logits, 1, -1)
    log_probs = logits - mx.logsumexp(logits, axis=-1, keepdims=True)
    classes = logits.shape[-1]
    if mx.issubdtype(targets.dtype, mx.floating):
        if targets.ndim > 1:
            targets = mx.moveaxis(targets, 1, -1)
        if label_smoothing:
            targets = targets * (1 - label_smoothing) + label_smoothing / classes
        weighted = log_probs if weight is None else log_probs * weight
        losses = -(targets * weighted).sum(axis=-1)
        if reduction == "mean":
            return losses.mean()
        return losses.sum() if reduction == "sum" else losses
    valid = targets != ignore_index
    safe_targets = mx.where(valid, targets, 0)
    target_weights = valid.astype(log_probs.dtype)
    if weight is not None:
        target_weights = weight[safe_targets] * target_weights
    nll = -mx.take_along_axis(log_probs, safe_targets[..., None], axis=-1).squeeze(-1)
    losses = nll * target_weights
    if label_smoothing:
        per_class = -log_probs if weight is None else -log_probs * weight
        smooth = per_class.sum(axis=-1) * valid
        losses = (1 - label_smoothing) * losses + (label_smoothing / classes) * smooth
    if reduction == "mean":
        return losses.sum() / target_weights.sum()
    if reduction == "sum":
        return losses.sum()
    return losses


def nll_loss(log_probs, targets, weight=None, ignore_index=-100, reduction="mean"):
    """F.nll_loss with torch's defaults: classes on axis 1, ignore_index, class weights, and a
    mean weighted by the kept targets' class weights.

    nn.losses.nll_loss takes the class axis last, defaults to reduction='none' and has neither
    ignore_index nor weights.
    """
    if log_probs.ndim > 1:
        log_probs = mx.moveaxis(log_probs, 1, -1)
    valid = targets != ignore_index
    safe_targets = mx.where(valid, targets, 0)
    target_weights = valid.astype(log_probs.dtype)
    if weight is not None:
        target_weights = weight[safe_targets] * target_weights
    losses = -mx.take_along_axis(log_probs, safe_targets[..., None], axis=-1).squeeze(-1) * target_weights
    if reduction == "mean":
        return losses.sum() / target_weights.sum()
    if reduction == "sum":
        return losses.sum()
    return losses


def kl_div(log_probs, target, reduction="mean", log_target=False):
    """F.kl_div: the input is log-probabilities, the target probabilities (log-probabilities with
    log_target=True). The loss is pointwise, as in torch: 'none' keeps every element, 'mean'
    averages over every element, 'batchmean' divides the sum by the batch size, 'sum' sums.

    nn.losses.kl_div_loss takes log-probability targets only and sums over the class axis first.
    """
    if log_target:
        losses = mx.exp(target) * (target - log_probs)
    else:
        # torch's xlogy: a zero target contributes zero, not 0 * log(0).
        losses = mx.where(target > 0, target * mx.log(mx.where(target > 0, target, 1)), 0) - target * log_probs
    if reduction == "mean":
        return losses.mean()
    if reduction == "batchmean":
        return losses.sum() / log_probs.shape[0]
    if reduction == "sum":
        return losses.sum()
    return losses


class Dataset:
    """torch.utils.data.Dataset: a base class for `__getitem__` + `__len__`; nothing more."""


class TensorDataset(Dataset):
    """torch.utils.data.TensorDataset: sample i is the tuple of every array's row i."""

    def __init__(self, *arrays):
        if any(a.shape[0] != arrays[0].shape[0] for a in arrays):
            raise ValueError("TensorDataset: arrays differ in their first dimension")
        self.arrays = arrays

    def __getitem__(self, index):
        return tuple(a[index] for a in self.arrays)

    def __len__(self):
        return self.arrays[0].shape[0]


def default_collate(samples):
    """torch's default_collate, producing MLX arrays: tuples/lists/dicts collated field by
    field, arrays stacked, numbers made an array. (torch makes float64 of Python floats;
    MLX keeps its float32 default, which the GPU supports.)"""
    first = samples[0]
    if isinstance(first, (tuple, list)):
        return [default_collate(list(field)) for field in zip(*samples)]
    if isinstance(first, dict):
        return {key: default_collate([s[key] for s in samples]) for key in first}
    if isinstance(first, (int, float, bool)):
        return mx.array(samples)
    if isinstance(first, (str, bytes)):
        return samples
    return mx.stack([mx.array(s) for s in samples])


class DataLoader:
    """torch.utils.data.DataLoader over a map-style dataset, in the main process: batches of
    `batch_size` samples, reshuffled on every pass with MLX's generator (`mx.random.seed`
    makes it repeatable; the order differs from torch's), the last partial batch kept unless
    `drop_last`. A TensorDataset is sliced in one gather per batch."""

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, collate_fn=None):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.collate_fn = collate_fn or default_collate

    def __len__(self):
        full, rest = divmod(len(self.dataset), self.batch_size)
        return full if self.drop_last or not rest else full + 1

    def __iter__(self):
        n = len(self.dataset)
        order = mx.random.permutation(n) if self.shuffle else mx.arange(n)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            index = order[start:start + self.batch_size]
            if isinstance(self.dataset, TensorDataset) and self.collate_fn is default_collate:
                yield [a[index] for a in self.dataset.arrays]
            else:
                yield self.collate_fn([self.dataset[i] for i in index.tolist()])


# --- einops layers (API table) ---


class Rearrange(nn.Module):
    """einops.layers.torch.Rearrange: einops has no MLX layers, but einops.rearrange takes MLX
    arrays. The pattern is kept out of the parameter tree."""

    def __init__(self, pattern, **axes_lengths):
        super().__init__()
        self._pattern = pattern
        self._axes_lengths = axes_lengths

    def __call__(self, x):
        from einops import rearrange

        return rearrange(x, self._pattern, **self._axes_lengths)


class Reduce(nn.Module):
    """einops.layers.torch.Reduce: einops.reduce with the layer's pattern and reduction."""

    def __init__(self, pattern, reduction, **axes_lengths):
        super().__init__()
        self._pattern = pattern
        self._reduction = reduction
        self._axes_lengths = axes_lengths

    def __call__(self, x):
        from einops import reduce

        return reduce(x, self._pattern, self._reduction, **self._axes_lengths)

# --- torch.* functions a-k (API table) ---

import collections  # noqa: E402  (named results, as torch's return types)
import math  # noqa: E402

_ValuesIndices = collections.namedtuple("ValuesIndices", ["values", "indices"])
_MantissaExponent = collections.namedtuple("MantissaExponent", ["mantissa", "exponent"])


def _moved(x, dim):
    """x with axis `dim` moved to the front (index updates along one axis)."""
    return mx.moveaxis(x, dim, 0) if x.ndim else x


def angle(x):
    """torch.angle: atan2(imag, real) for complex input; for real input pi where x < 0, else 0
    (NaN stays NaN; -0.0 gives 0, where atan2(0, -0.0) would give pi)."""
    if mx.issubdtype(x.dtype, mx.complexfloating):
        return mx.arctan2(mx.imag(x), mx.real(x))
    x = x if mx.issubdtype(x.dtype, mx.floating) else x.astype(mx.float32)
    return mx.where(mx.isnan(x), x, mx.where(x < 0, math.pi, 0.0).astype(x.dtype))


def bincount(x, weights=None, minlength=0):
    """torch.bincount: counts (or summed weights) of each value 0..max(x). The length depends on
    the values, so the maximum is read on the host: not traceable by mx.compile."""
    length = max(int(x.max().item()) + 1 if x.size else 0, minlength)
    if weights is None:
        return mx.zeros((length,), dtype=mx.int64).at[x].add(1)
    return mx.zeros((length,), dtype=weights.dtype).at[x].add(weights)


def block_diag(*tensors):
    """torch.block_diag: the matrices on the diagonal of a zero matrix (0-d is (1, 1), 1-d a row)."""
    blocks = [t.reshape(1, -1) if t.ndim < 2 else t for t in (mx.array(t) for t in tensors)]
    if not blocks:
        return mx.zeros((1, 0))
    dtype = blocks[0].dtype
    for b in blocks[1:]:
        dtype = mx.result_type(dtype, b.dtype)
    width = sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        rows.append(mx.pad(b.astype(dtype), [(0, 0), (left, width - left - b.shape[1])]))
        left += b.shape[1]
    return mx.concatenate(rows, axis=0)


def cartesian_prod(*tensors):
    """torch.cartesian_prod: every combination of the 1-D inputs' elements, one per row (one
    input is returned as it is)."""
    if len(tensors) == 1:
        return tensors[0]
    grids = mx.meshgrid(*tensors, indexing="ij")
    return mx.stack([g.reshape(-1) for g in grids], axis=-1)


def cdist(x1, x2, p=2.0):
    """torch.cdist: the p-norm distance between each row of x1 and each row of x2 (batched over
    leading axes). Computed from differences, as torch does for small inputs."""
    diff = mx.abs(mx.expand_dims(x1, -2) - mx.expand_dims(x2, -3))
    if p == 0:
        return (diff != 0).sum(axis=-1).astype(x1.dtype)
    if p == math.inf:
        return diff.max(axis=-1)
    if p == 1:
        return diff.sum(axis=-1)
    if p == 2:
        return mx.sqrt(mx.square(diff).sum(axis=-1))
    return mx.power(mx.power(diff, p).sum(axis=-1), 1.0 / p)


def chain_matmul(*matrices):
    """torch.chain_matmul: the product of the matrices, left to right."""
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = matrices[0]
    result = matrices[0]
    for m in matrices[1:]:
        result = result @ m
    return result


def column_stack(tensors):
    """torch.column_stack: 0-d and 1-d inputs become columns, then concatenated along axis 1."""
    return mx.concatenate([t.reshape(-1, 1) if t.ndim < 2 else t for t in tensors], axis=1)


def hstack(tensors):
    """torch.hstack: 1-d inputs concatenated along axis 0, others along axis 1 (0-d become 1-d)."""
    tensors = [t.reshape(1) if t.ndim == 0 else t for t in tensors]
    return mx.concatenate(tensors, axis=0 if tensors[0].ndim == 1 else 1)


def combinations(x, r=2, with_replacement=False):
    """torch.combinations: the r-element combinations of a 1-D array's elements, in order. The
    indices depend only on the length."""
    import itertools

    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    index = list(pick(range(x.shape[0]), r))
    if not index:
        return mx.zeros((0, r) if r else (0,), dtype=x.dtype)
    return x[mx.array(index)]


def copysign(a, b):
    """torch.copysign: |a| with the sign bit of b (-0.0 and NaN signs included); float result."""
    a = mx.array(a)
    b = mx.array(b)
    dtype = mx.result_type(a, b)
    if not mx.issubdtype(dtype, mx.floating):
        dtype = mx.float32
    negative = b.astype(mx.float32).view(mx.int32) < 0
    magnitude = mx.abs(a.astype(dtype))
    return mx.where(negative, -magnitude, magnitude)


def cov(x, correction=1, fweights=None, aweights=None):
    """torch.cov: the covariance of the variables in x's rows (observations in columns), with
    frequency and observation weights as numpy/torch define them."""
    x = x.reshape(1, -1) if x.ndim < 2 else x
    x = x if mx.issubdtype(x.dtype, mx.inexact) else x.astype(mx.float32)
    w = None
    if fweights is not None:
        w = fweights.astype(x.dtype)
    if aweights is not None:
        w = aweights.astype(x.dtype) if w is None else w * aweights
    if w is None:
        total = x.shape[1]
        mean = x.mean(axis=1, keepdims=True)
        norm = total - correction
    else:
        total = w.sum()
        mean = (x * w).sum(axis=1, keepdims=True) / total
        if correction == 0:
            norm = total
        elif aweights is None:
            norm = total - correction
        else:
            norm = total - correction * (w * aweights).sum() / total
    centred = x - mean
    weighted = centred if w is None else centred * w
    result = (weighted @ mx.conj(centred).T) / mx.maximum(norm, 0)
    return result.squeeze() if result.size == 1 else result


def corrcoef(x):
    """torch.corrcoef: Pearson correlation of the variables in x's rows, clipped to [-1, 1]."""
    c = cov(x)
    if c.ndim == 0:
        return c / c
    d = mx.sqrt(mx.diagonal(c))
    return mx.clip(c / d[:, None] / d[None, :], -1, 1)


def _cumulative_extreme(x, dim, running):
    values = running(x, axis=dim)
    position = mx.arange(x.shape[dim]).reshape([-1 if a == dim % x.ndim else 1 for a in range(x.ndim)])
    # The latest position whose element is the running extreme, as torch's indices.
    indices = mx.cummax(mx.where(x == values, position, 0), axis=dim)
    return _ValuesIndices(values, indices.astype(mx.int64))


def cummax(x, dim):
    """torch.cummax: (values, indices) of the running maximum; mx.cummax gives values only."""
    return _cumulative_extreme(x, dim, mx.cummax)


def cummin(x, dim):
    """torch.cummin: (values, indices) of the running minimum; mx.cummin gives values only."""
    return _cumulative_extreme(x, dim, mx.cummin)


def cumulative_trapezoid(y, x=None, dx=None, dim=-1):
    """torch.cumulative_trapezoid: the running trapezoidal integral of y along dim, spaced by x
    (sample points), dx (a constant) or 1."""
    n = y.shape[dim]
    ahead = mx.take(y, mx.arange(1, n), axis=dim)
    behind = mx.take(y, mx.arange(0, n - 1), axis=dim)
    if x is not None and x.ndim == 1:
        spacing = mx.diff(x).reshape([-1 if a == dim % y.ndim else 1 for a in range(y.ndim)])
    elif x is not None:
        spacing = mx.diff(x, axis=dim)
    else:
        spacing = 1.0 if dx is None else dx
    return mx.cumsum((ahead + behind) * spacing / 2, axis=dim)


def _to_last_two(x, dim1, dim2):
    """The permutation that moves axes dim1, dim2 to the end, and its inverse."""
    dim1, dim2 = dim1 % x.ndim, dim2 % x.ndim
    order = [a for a in range(x.ndim) if a not in (dim1, dim2)] + [dim1, dim2]
    inverse = [order.index(a) for a in range(x.ndim)]
    return order, inverse


def diag_embed(x, offset=0, dim1=-2, dim2=-1):
    """torch.diag_embed: the last axis of x on the diagonal (at offset) of new axes dim1, dim2."""
    n = x.shape[-1] + abs(offset)
    lead = x.shape[:-1]
    padded = mx.pad(x, [(0, 0)] * (x.ndim - 1) + [(0, abs(offset))])
    mask = mx.eye(n, k=offset, dtype=mx.bool_)
    values = mx.expand_dims(padded, -1) if offset >= 0 else mx.expand_dims(padded, -2)
    out = mx.where(mask, values, mx.zeros((1,), dtype=x.dtype))
    out = mx.broadcast_to(out, lead + (n, n))
    ndim = x.ndim + 1
    dim1, dim2 = dim1 % ndim, dim2 % ndim
    # out's last two axes are (dim1, dim2) of the result; every other axis keeps its order.
    rest = [a for a in range(ndim) if a not in (dim1, dim2)]
    source = {a: i for i, a in enumerate(rest)}
    source[dim1], source[dim2] = ndim - 2, ndim - 1
    return out.transpose([source[a] for a in range(ndim)])


def diagonal_scatter(x, src, offset=0, dim1=0, dim2=1):
    """torch.diagonal_scatter: x with its diagonal (at offset, over dim1 and dim2) replaced by src
    (shaped as torch.diagonal(x, offset, dim1, dim2) would be)."""
    order, inverse = _to_last_two(x, dim1, dim2)
    moved = x.transpose(order)
    rows, cols = moved.shape[-2:]
    mask = mx.eye(rows, cols, k=offset, dtype=mx.bool_)
    if offset >= 0:
        values = mx.expand_dims(mx.pad(src, [(0, 0)] * (src.ndim - 1) + [(0, rows - src.shape[-1])]), -1)
    else:
        values = mx.expand_dims(mx.pad(src, [(0, 0)] * (src.ndim - 1) + [(0, cols - src.shape[-1])]), -2)
    return mx.where(mask, values.astype(x.dtype), moved).transpose(inverse)


def trunc_divide(a, b):
    """torch.div(a, b, rounding_mode='trunc'): the quotient rounded toward zero; integer inputs
    keep an integer result (MLX's `//` rounds toward minus infinity)."""
    a, b = mx.array(a), mx.array(b)
    dtype = mx.result_type(a, b)
    quotient = mx.trunc(a / b)
    return quotient if mx.issubdtype(dtype, mx.inexact) else quotient.astype(dtype)


def fmax(a, b):
    """torch.fmax: the elementwise maximum, ignoring NaN (mx.maximum propagates it)."""
    return mx.where(mx.isnan(b), a, mx.where(mx.isnan(a), b, mx.maximum(a, b)))


def fmin(a, b):
    """torch.fmin: the elementwise minimum, ignoring NaN (mx.minimum propagates it)."""
    return mx.where(mx.isnan(b), a, mx.where(mx.isnan(a), b, mx.minimum(a, b)))


def fmod(a, b):
    """torch.fmod: the remainder with the sign of the dividend (C's fmod); mx.remainder takes the
    sign of the divisor (Python's %)."""
    r = mx.remainder(a, b)
    return mx.where((r != 0) & ((r < 0) != (mx.array(a) < 0)), r - b, r)


def _times_power_of_two(x, exponent):
    """x * 2**exponent without overflowing the power for exponents near float32's limits."""
    half = exponent // 2
    return x * mx.power(2.0, half.astype(mx.float32)) * mx.power(2.0, (exponent - half).astype(mx.float32))


def frexp(x):
    """torch.frexp: (mantissa, exponent) with x = mantissa * 2**exponent, 0.5 <= |mantissa| < 1
    (zero, inf and NaN keep exponent 0)."""
    finite = mx.isfinite(x) & (x != 0)
    magnitude = mx.where(finite, mx.abs(x), 1).astype(mx.float32)
    exponent = mx.floor(mx.log2(magnitude)).astype(mx.int32) + 1
    mantissa = _times_power_of_two(magnitude, -exponent)
    # log2 rounds near powers of two: bring the mantissa into [0.5, 1).
    exponent = mx.where(mantissa >= 1, exponent + 1, mx.where(mantissa < 0.5, exponent - 1, exponent))
    mantissa = _times_power_of_two(magnitude, -exponent)
    mantissa = mx.where(finite, mx.where(x < 0, -mantissa, mantissa), x).astype(x.dtype)
    return _MantissaExponent(mantissa, mx.where(finite, exponent, 0))


def gcd(a, b):
    """torch.gcd: the elementwise greatest common divisor of integers (gcd(0, 0) = 0). Euclid's
    loop runs until every pair is done, checked on the host."""
    a, b = mx.abs(mx.array(a)), mx.abs(mx.array(b))
    a, b = mx.broadcast_arrays(a, b)
    while mx.any(b != 0).item():
        safe = mx.where(b != 0, b, 1)
        a, b = mx.where(b != 0, b, a), mx.where(b != 0, mx.remainder(a, safe), 0)
    return a


def histc(x, bins=100, min=0, max=0):
    """torch.histc: counts in `bins` equal bins over [min, max] (the data's range when both are
    0); elements outside are ignored, the maximum falls in the last bin."""
    low, high = float(min), float(max)
    if low == 0 and high == 0:
        low, high = x.min().item(), x.max().item()
    if low == high:
        low, high = low - 1, high + 1
    flat = x.reshape(-1).astype(mx.float32)
    inside = (flat >= low) & (flat <= high)
    index = mx.clip(mx.floor((flat - low) * bins / (high - low)), 0, bins - 1).astype(mx.int32)
    counts = mx.zeros((bins,), dtype=mx.float32).at[index].add(inside.astype(mx.float32))
    return counts.astype(x.dtype if mx.issubdtype(x.dtype, mx.floating) else mx.float32)


def i0(x):
    """torch.i0: the modified Bessel function of the first kind, order 0 (Abramowitz & Stegun
    9.8.1-2 polynomials, relative error below 2e-7)."""
    x = x if mx.issubdtype(x.dtype, mx.floating) else x.astype(mx.float32)
    a = mx.abs(x)
    t = mx.square(a / 3.75)
    small = 1 + t * (3.5156229 + t * (3.0899424 + t * (1.2067492 + t * (0.2659732 + t * (0.0360768 + t * 0.0045813)))))
    u = 3.75 / mx.maximum(a, 3.75)
    large = (mx.exp(a) / mx.sqrt(mx.maximum(a, 3.75))) * (
        0.39894228 + u * (0.01328592 + u * (0.00225319 + u * (-0.00157565 + u * (0.00916281 + u * (
            -0.02057706 + u * (0.02635537 + u * (-0.01647633 + u * 0.00392377))))))))
    return mx.where(a < 3.75, small, large).astype(x.dtype)


def index_add(x, dim, index, source, alpha=1):
    """torch.index_add: x with alpha * source's slices added at `index` along dim (repeated
    indices accumulate)."""
    moved = _moved(x, dim).at[index].add(_moved(mx.array(source) * alpha, dim).astype(x.dtype))
    return mx.moveaxis(moved, 0, dim) if x.ndim else moved


def index_copy(x, dim, index, source):
    """torch.index_copy: x with source's slices written at `index` along dim."""
    moved = mx.array(_moved(x, dim))
    moved[index] = _moved(mx.array(source), dim).astype(x.dtype)
    return mx.moveaxis(moved, 0, dim) if x.ndim else moved


def index_fill(x, dim, index, value):
    """torch.index_fill: x with the slices at `index` along dim set to value."""
    moved = mx.array(_moved(x, dim))
    moved[index] = mx.array(value).astype(x.dtype)
    return mx.moveaxis(moved, 0, dim) if x.ndim else moved


def index_put(x, indices, values, accumulate=False):
    """torch.index_put: x with values written (or added, with accumulate) at x[indices]."""
    index = tuple(indices)
    values = mx.array(values).astype(x.dtype)
    if accumulate:
        return x.at[index].add(values)
    out = mx.array(x)
    out[index] = values
    return out


def kthvalue(x, k, dim=-1, keepdim=False):
    """torch.kthvalue: (values, indices) of the k-th smallest element along dim."""
    order = mx.argsort(x, axis=dim)
    indices = mx.take(order, mx.array([k - 1]), axis=dim)
    values = mx.take_along_axis(x, indices, axis=dim)
    if not keepdim:
        values, indices = values.squeeze(dim), indices.squeeze(dim)
    return _ValuesIndices(values, indices.astype(mx.int64))


def diff(x, n=1, dim=-1, prepend=None, append=None):
    """torch.diff with prepend/append: they are concatenated along dim before differencing."""
    parts = [p for p in (prepend, x, append) if p is not None]
    return mx.diff(mx.concatenate(parts, axis=dim) if len(parts) > 1 else x, n, axis=dim)


_HistogramEdges = collections.namedtuple("HistogramEdges", ["hist", "bin_edges"])


def histogram(x, bins, range=None, weight=None, density=False):
    """torch.histogram: (hist, bin_edges) of the flattened input; `bins` equal bins over `range`
    (the data's minimum and maximum by default), or the given increasing edges. Bins are
    closed on the left, the last one on both sides; values outside are not counted."""
    flat = x.reshape(-1)
    if isinstance(bins, int):
        low, high = range if range is not None else (flat.min().item(), flat.max().item())
        if low == high:
            low, high = low - 0.5, high + 0.5
        edges = mx.linspace(low, high, bins + 1).astype(x.dtype)
        count = bins
        index = mx.floor((flat - low) * (bins / (high - low))).astype(mx.int32)
    else:
        edges = mx.array(bins).astype(x.dtype)
        count = edges.shape[0] - 1
        index = mx.searchsorted(edges, flat, side="right").astype(mx.int32) - 1
    index = mx.where(flat == edges[-1], count - 1, index)
    inside = (flat >= edges[0]) & (flat <= edges[-1]) & (index >= 0) & (index < count)
    if weight is None:
        amounts = inside.astype(x.dtype)
    else:
        amounts = mx.where(inside, weight.reshape(-1).astype(x.dtype), 0)
    hist = mx.zeros((count,), dtype=x.dtype).at[mx.where(inside, index, 0)].add(amounts)
    if density:
        hist = hist / (hist.sum() * mx.diff(edges))
    return _HistogramEdges(hist, edges)
