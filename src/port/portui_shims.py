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

# --- torch.* functions l-z (API table) ---

import collections as _collections  # noqa: E402  (named results, as torch's return types)
import math as _math  # noqa: E402

import numpy as _np  # noqa: E402  (host-side index computations of data-dependent shapes)

_Sorted = _collections.namedtuple("Sorted", ["values", "indices"])
_SignLogAbsDet = _collections.namedtuple("SignLogAbsDet", ["sign", "logabsdet"])
_Svd = _collections.namedtuple("Svd", ["U", "S", "V"])
_Lu = _collections.namedtuple("Lu", ["P", "L", "U"])
_TriangularSolve = _collections.namedtuple("TriangularSolve", ["solution", "cloned_coefficient"])


def _axis(dim, ndim):
    """A torch dim as a non-negative axis (a 0-d array has one pseudo-axis)."""
    return dim % max(ndim, 1)


def _index_dtype(x):
    """torch's index dtype (int64) for positions computed in MLX."""
    return x.astype(mx.int64)


def layer_norm_over(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    """torch.layer_norm / F.layer_norm over the last len(normalized_shape) axes (biased
    variance, as torch); mx.fast.layer_norm normalises the last axis only."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    axes = tuple(range(-len(normalized_shape), 0))
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    y = (x - mean) * mx.rsqrt(var + eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def lcm(a, b):
    """torch.lcm on integers: |a * b| / gcd(a, b) (0 when either is 0). Euclid's loop runs on
    the host until every remainder is 0."""
    x, y = mx.abs(a), mx.abs(b)
    x, y = mx.broadcast_arrays(x, y)
    while mx.any(y != 0).item():
        nonzero = y != 0
        x, y = mx.where(nonzero, y, x), mx.where(nonzero, mx.remainder(x, mx.where(nonzero, y, 1)), 0)
    g = mx.where(x == 0, 1, x)
    return mx.abs(a // g * b).astype(mx.result_type(a, b))


_LANCZOS = (0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012,
            9.9843695780195716e-6, 1.5056327351493116e-7)


def log_gamma(x):
    """torch.lgamma: log|Gamma(x)| (Lanczos, g=7, in float32; reflection below 0.5; +inf at
    the poles 0, -1, -2...). MLX has no lgamma."""
    x = x.astype(mx.float32) if not mx.issubdtype(x.dtype, mx.floating) else x
    reflect = x < 0.5
    z = mx.where(reflect, 1 - x, x) - 1
    a = mx.full(z.shape, _LANCZOS[0], dtype=mx.float32)
    for i, c in enumerate(_LANCZOS[1:], start=1):
        a = a + c / (z + i)
    t = z + 7.5
    positive = 0.5 * _math.log(2 * _math.pi) + (z + 0.5) * mx.log(t) - t + mx.log(a)
    sin = mx.abs(mx.sin(_math.pi * x))
    reflected = _math.log(_math.pi) - mx.log(sin) - positive
    pole = reflect & (x == mx.floor(x))
    out = mx.where(reflect, reflected, positive)
    return mx.where(pole, mx.inf, out).astype(x.dtype)


def mvlgamma(x, p):
    """torch.mvlgamma: the multivariate log-gamma of dimension p,
    sum_i log_gamma(x - i / 2) + p (p - 1) / 4 * log(pi)."""
    out = p * (p - 1) / 4 * _math.log(_math.pi)
    for i in range(p):
        out = out + log_gamma(x - i / 2)
    return out


def _take_index(x, index, axis, keepdims):
    """x's element at position `index` (an array broadcast along `axis`) with its position."""
    values = mx.take_along_axis(x, index, axis=axis)
    return (values, index) if keepdims else (values.squeeze(axis), index.squeeze(axis))


def median(x, dim=None, keepdim=False, ignore_nan=False):
    """torch.median / torch.nanmedian: the LOWER of the two middle values for an even count
    (mx.median averages them). With a dim: (values, indices). NaN: median propagates it,
    nanmedian ignores NaNs (all-NaN slices give NaN)."""
    flat = dim is None
    if flat:
        x, dim = x.reshape(-1), 0
    axis = _axis(dim, x.ndim)
    if x.ndim == 0:
        result = _Sorted(x, mx.zeros((), dtype=mx.int64))
        return result.values if flat else result
    order = mx.argsort(x, axis=axis)  # NaNs sort last
    nans = mx.isnan(x).sum(axis=axis, keepdims=True) if mx.issubdtype(x.dtype, mx.floating) else None
    n = x.shape[axis]
    if ignore_nan and nans is not None:
        position = mx.maximum((n - nans - 1) // 2, 0)
    else:
        position = mx.full((1,) * x.ndim, (n - 1) // 2, dtype=mx.int32)
        if nans is not None:  # a NaN in the slice: torch returns the (first) NaN
            position = mx.where(nans > 0, n - nans, position)
    shape = list(x.shape)
    shape[axis] = 1
    index = mx.take_along_axis(order, mx.broadcast_to(position, shape).astype(mx.int32), axis=axis)
    values, indices = _take_index(x, index, axis, keepdim)
    if flat:
        return values.reshape(())
    return _Sorted(values, _index_dtype(indices))


def mode(x, dim=-1, keepdim=False):
    """torch.mode: (values, indices) of the most frequent value along dim, the smallest of
    equally frequent ones, and the index of its last occurrence."""
    axis = _axis(dim, x.ndim)
    x = mx.moveaxis(x, axis, -1) if x.ndim else x.reshape(1)
    counts = (x[..., :, None] == x[..., None, :]).sum(axis=-1)
    best = counts.max(axis=-1, keepdims=True)
    candidates = mx.where(counts == best, x, x.max(axis=-1, keepdims=True))
    values = candidates.min(axis=-1, keepdims=True)
    n = x.shape[-1]
    positions = mx.arange(n)
    indices = mx.where(x == values, positions, -1).max(axis=-1, keepdims=True)
    if not keepdim:
        values, indices = values.squeeze(-1), indices.squeeze(-1)
    elif values.ndim > 1:
        values, indices = mx.moveaxis(values, -1, axis), mx.moveaxis(indices, -1, axis)
    return _Sorted(values, _index_dtype(indices))


def movedim(x, source, destination):
    """torch.movedim / moveaxis with one axis or sequences of axes (mx.moveaxis takes one)."""
    if isinstance(source, int):
        return mx.moveaxis(x, source, destination)
    source = [_axis(s, x.ndim) for s in source]
    destination = [_axis(d, x.ndim) for d in destination]
    order = [a for a in range(x.ndim) if a not in source]
    for d, s in sorted(zip(destination, source)):
        order.insert(d, s)
    return mx.transpose(x, order)


def nansum(x, dim=None, keepdim=False, dtype=None):
    """torch.nansum: the sum with NaNs counted as zero."""
    x = x.astype(dtype) if dtype is not None else x
    if mx.issubdtype(x.dtype, mx.floating):
        x = mx.where(mx.isnan(x), 0, x)
    return mx.sum(x, axis=dim, keepdims=keepdim)


def nanmean(x, dim=None, keepdim=False, dtype=None):
    """torch.nanmean: the mean of the non-NaN values (NaN where there are none)."""
    x = x.astype(dtype) if dtype is not None else x
    valid = ~mx.isnan(x)
    total = mx.sum(mx.where(valid, x, 0), axis=dim, keepdims=keepdim)
    return total / mx.sum(valid, axis=dim, keepdims=keepdim)


def quantile(x, q, dim=None, keepdim=False, interpolation="linear", ignore_nan=False):
    """torch.quantile / nanquantile: q (a number or a 1-D array, whose axis comes first in the
    result) of x along dim (all of x when None), interpolated like torch. quantile gives NaN
    for a slice holding a NaN; nanquantile ignores NaNs."""
    v, axis = (x.reshape(-1), 0) if dim is None else (x, _axis(dim, x.ndim))
    scalar_q = not isinstance(q, mx.array) or q.ndim == 0
    qs = mx.array(q, dtype=x.dtype).reshape(-1)
    s = mx.sort(mx.moveaxis(v, axis, -1), axis=-1)  # NaNs last
    n = s.shape[-1]
    nans = mx.isnan(s).sum(axis=-1, keepdims=True)
    count = (n - nans) if ignore_nan else mx.full(nans.shape, n, dtype=nans.dtype)
    rank = qs.reshape((-1,) + (1,) * s.ndim) * (count - 1).astype(x.dtype)  # (Q, ..., 1)
    if interpolation == "lower":
        rank = mx.floor(rank)
    elif interpolation == "higher":
        rank = mx.ceil(rank)
    elif interpolation == "nearest":
        rank = mx.round(rank)  # half to even, as torch
    lo_i = mx.clip(mx.floor(rank), 0, n - 1).astype(mx.int32)
    hi_i = mx.clip(mx.ceil(rank), 0, n - 1).astype(mx.int32)
    sb = mx.broadcast_to(s, (qs.size,) + s.shape)
    shape = (qs.size,) + s.shape[:-1] + (1,)
    lo = mx.take_along_axis(sb, mx.broadcast_to(lo_i, shape), axis=-1)
    hi = mx.take_along_axis(sb, mx.broadcast_to(hi_i, shape), axis=-1)
    if interpolation == "midpoint":
        out = lo + (hi - lo) / 2
    elif interpolation == "linear":
        out = lo + (hi - lo) * (rank - mx.floor(rank))
    else:
        out = lo
    empty = (count == 0) if ignore_nan else (nans > 0)
    out = mx.where(empty, mx.nan, out)  # (Q, ..., 1)
    if not keepdim:
        out = out.squeeze(-1)
    elif dim is None:
        out = out.reshape((qs.size,) + (1,) * x.ndim)
    else:
        out = mx.moveaxis(out, -1, axis + 1)
    return out[0] if scalar_q else out


def narrow(x, dim, start, length):
    """torch.narrow: `length` elements of axis dim from `start` (negative counts from the end)."""
    axis = _axis(dim, x.ndim)
    start = start + x.shape[axis] if start < 0 else start
    index = (slice(None),) * axis + (slice(start, start + length),)
    return x[index]


def select(x, dim, index):
    """torch.select: the slice `index` of axis dim, the axis removed (negative index counts
    from the end, which mx.take does not do for a scalar index)."""
    return x[(slice(None),) * _axis(dim, x.ndim) + (index,)]


def repeat_interleave(x, repeats=None, dim=None):
    """torch.repeat_interleave: each element (each slice along dim; of the flattened x when dim
    is None) repeated, an int times or per element from an array of counts; with one argument,
    the indices 0, 1, ... repeated by the counts. Counts are read on the host."""
    if repeats is None:
        counts = _np.array(x).reshape(-1)
        return mx.array(_np.repeat(_np.arange(counts.size), counts).astype(_np.int64))
    if dim is None:
        x, dim = x.reshape(-1), 0
    if isinstance(repeats, int):
        return mx.repeat(x, repeats, axis=dim)
    counts = _np.array(repeats).reshape(-1)
    n = x.shape[dim]
    counts = _np.broadcast_to(counts, (n,)) if counts.size == 1 else counts
    return mx.take(x, mx.array(_np.repeat(_np.arange(n), counts).astype(_np.int32)), axis=dim)


def nextafter(a, b):
    """torch.nextafter: the next representable float after a towards b (computed by numpy on
    the host; no gradient, as in torch)."""
    a, b = mx.broadcast_arrays(mx.array(a), mx.array(b))
    return mx.array(_np.nextafter(_np.array(a), _np.array(b)))


def nonzero(x, as_tuple=False):
    """torch.nonzero / argwhere: indices of the non-zero elements, (N, ndim) int64, or a tuple of
    1-D index arrays. The count depends on the values: they are read on the host (not
    traceable by mx.compile)."""
    found = _np.nonzero(_np.array(x).reshape(x.shape or (1,)))
    if as_tuple:
        return tuple(mx.array(i.astype(_np.int64)) for i in found)
    return mx.array(_np.stack(found, axis=-1).astype(_np.int64).reshape(-1, max(x.ndim, 1) if x.ndim else 0))


def masked_select(x, mask):
    """torch.masked_select: the elements of x where mask (broadcast together) is True, as 1-D.
    The positions are found on the host (the count depends on the values); the values are
    gathered in MLX, so gradients reach x."""
    x, mask = mx.broadcast_arrays(x, mask)
    positions = _np.flatnonzero(_np.array(mask))
    return mx.take(x.reshape(-1), mx.array(positions.astype(_np.int32)))


def normal(mean=0.0, std=1.0, size=None, dtype=None):
    """torch.normal: mean + std * N(0, 1), of the broadcast shape of mean and std (or `size`).
    MLX's generator gives other numbers from the same distribution."""
    if size is None:
        shape = mx.broadcast_shapes(mx.array(mean).shape, mx.array(std).shape)
    else:
        shape = tuple(size)
    noise = mx.random.normal(shape, dtype=dtype or mx.float32)
    return mean + std * noise


def arange_inclusive(start, end, step=1, dtype=None):
    """torch.range (deprecated): start, start + step, ... up to END INCLUDED, float32 by default."""
    count = int(_math.floor((end - start) / step)) + 1
    return (start + step * mx.arange(count, dtype=mx.float32)).astype(dtype or mx.float32)


def renorm(x, p, dim, maxnorm):
    """torch.renorm: each slice along dim whose p-norm exceeds maxnorm is scaled down to it."""
    axis = _axis(dim, x.ndim)
    others = tuple(a for a in range(x.ndim) if a != axis)
    if p == float("inf"):
        norms = mx.abs(x).max(axis=others, keepdims=True)
    else:
        norms = (mx.abs(x) ** p).sum(axis=others, keepdims=True) ** (1.0 / p)
    scale = mx.where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0)
    return x * scale.astype(x.dtype)


def rot90(x, k=1, dims=(0, 1)):
    """torch.rot90: k quarter turns from the first axis of dims towards the second."""
    a, b = (_axis(d, x.ndim) for d in dims)
    k %= 4
    if k == 1:
        return mx.swapaxes(mx.flip(x, b), a, b)
    if k == 2:
        return mx.flip(mx.flip(x, a), b)
    if k == 3:
        return mx.flip(mx.swapaxes(x, a, b), b)
    return x


def _scatter_positions(index, dim):
    """Index arrays addressing, for each element of `index`, its target in the output: the
    element's own position on every axis but dim, the index's value on dim."""
    axis = _axis(dim, index.ndim)
    grids = [mx.arange(n).reshape((1,) * a + (n,) + (1,) * (index.ndim - a - 1)) for a, n in enumerate(index.shape)]
    grids[axis] = index
    return tuple(mx.broadcast_to(g, index.shape) for g in grids)


def _source(src, index, dtype):
    """The part of src that index addresses (torch reads src only where index has entries)."""
    if not isinstance(src, mx.array):
        return mx.full(index.shape, src, dtype=dtype)
    return src[tuple(slice(0, n) for n in index.shape)].astype(dtype)


def scatter(x, dim, index, src, reduce=None):
    """torch.scatter: x with src written at index along dim (src may be a number). `reduce`
    'add' or 'multiply' combines instead. Duplicate indices without a reduction are
    undefined in torch too."""
    if x.ndim == 0:
        return scatter(x.reshape(1), 0, index.reshape(1), src if not isinstance(src, mx.array) else src.reshape(1), reduce).reshape(())
    positions = _scatter_positions(index, dim)
    values = _source(src, index, x.dtype)
    if reduce == "add":
        return x.at[positions].add(values)
    if reduce == "multiply":
        return x.at[positions].multiply(values)
    out = mx.array(x)
    out[positions] = values
    return out


def scatter_add(x, dim, index, src):
    """torch.scatter_add: src added into x at index along dim (duplicates accumulate)."""
    return scatter(x, dim, index, src, reduce="add")


def scatter_reduce(x, dim, index, src, reduce, include_self=True):
    """torch.scatter_reduce: src combined into x at index along dim by 'sum', 'prod', 'mean',
    'amax' or 'amin'; include_self=False leaves x's own value out where something lands.
    ('mean' on integers divides like torch's floor division.)"""
    positions = _scatter_positions(index, dim)
    values = _source(src, index, x.dtype)
    base = x
    if not include_self:
        if reduce in ("sum", "mean"):
            identity = 0
        elif reduce == "prod":
            identity = 1
        elif mx.issubdtype(x.dtype, mx.floating):
            identity = -mx.inf if reduce == "amax" else mx.inf
        else:
            info = mx.iinfo(x.dtype)
            identity = info.min if reduce == "amax" else info.max
        base = mx.array(x)
        base[positions] = mx.full(index.shape, identity, dtype=x.dtype)
    if reduce in ("sum", "mean"):
        out = base.at[positions].add(values)
    elif reduce == "prod":
        out = base.at[positions].multiply(values)
    elif reduce == "amax":
        out = base.at[positions].maximum(values)
    elif reduce == "amin":
        out = base.at[positions].minimum(values)
    else:
        raise ValueError(f"scatter_reduce: unknown reduce {reduce!r}")
    if reduce == "mean":
        counts = mx.zeros(x.shape, dtype=mx.int32).at[positions].add(1) + int(include_self)
        divided = out // counts if not mx.issubdtype(x.dtype, mx.floating) else out / counts
        out = mx.where(counts == 0, x, divided.astype(x.dtype))
    return out


def searchsorted(sorted_sequence, values, right=False, side=None, out_int32=False):
    """torch.searchsorted: insertion positions of values in sorted_sequence's last axis (a
    batch of sequences when it has more than one axis, matched with values' leading axes)."""
    side = side or ("right" if right else "left")
    values = mx.array(values, dtype=sorted_sequence.dtype) if not isinstance(values, mx.array) else values
    if sorted_sequence.ndim == 1:
        out = mx.searchsorted(sorted_sequence, values, side=side)
    else:
        seq = sorted_sequence[..., None, :]
        out = ((seq <= values[..., None]) if side == "right" else (seq < values[..., None])).sum(axis=-1)
    return out.astype(mx.int32 if out_int32 else mx.int64)


def select_scatter(x, src, dim, index):
    """torch.select_scatter: x with its slice `index` of axis dim replaced by src."""
    axis = _axis(dim, x.ndim)
    out = mx.array(x)
    out[(slice(None),) * axis + (index,)] = src
    return out


def slice_scatter(x, src, dim=0, start=None, end=None, step=1):
    """torch.slice_scatter: x with x[start:end:step] along dim replaced by src."""
    axis = _axis(dim, x.ndim)
    out = mx.array(x)
    out[(slice(None),) * axis + (slice(start, end, step),)] = src
    return out


def sort(x, dim=-1, descending=False, stable=False):
    """torch.sort: (values, indices); descending keeps equal elements in their order, as
    torch's stable sort does. mx.sort returns the values only."""
    if x.ndim == 0:
        return _Sorted(x, mx.zeros((), dtype=mx.int64))
    if descending:
        axis = _axis(dim, x.ndim)
        n = x.shape[axis]
        # Sort the reversed axis ascending, stably, then reverse again: equal elements keep
        # their original order.
        reversed_indices = mx.argsort(mx.flip(x, axis), axis=axis)
        indices = (n - 1) - mx.flip(reversed_indices, axis)
    else:
        indices = mx.argsort(x, axis=dim)
    return _Sorted(mx.take_along_axis(x, indices, axis=dim), _index_dtype(indices))


def signbit(x):
    """torch.signbit: the sign bit (True for -0.0 and negative NaNs; x < 0 misses them)."""
    if mx.issubdtype(x.dtype, mx.floating):
        width = {2: mx.int16, 4: mx.int32, 8: mx.int64}[x.itemsize]
        return x.view(width) < 0
    return x < 0


def tensor_split(x, indices_or_sections, dim=0):
    """torch.tensor_split: an int n gives n parts as equal as can be (the first ones one
    longer); a sequence gives split indices. mx.split needs the int to divide the axis."""
    if isinstance(indices_or_sections, mx.array):
        indices_or_sections = indices_or_sections.tolist()
    if isinstance(indices_or_sections, int):
        length = x.shape[dim]
        size, extra = divmod(length, indices_or_sections)
        indices, total = [], 0
        for part in range(indices_or_sections - 1):
            total += size + (1 if part < extra else 0)
            indices.append(total)
    else:
        indices = list(indices_or_sections)
    return tuple(mx.split(x, indices, axis=dim))


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """torch.trapezoid: the trapezoidal rule along dim, with sample points x or spacing dx."""
    axis = _axis(dim, y.ndim)
    n = y.shape[axis]
    left = mx.take(y, mx.arange(0, n - 1), axis=axis)
    right = mx.take(y, mx.arange(1, n), axis=axis)
    if x is None:
        return ((left + right) * (1.0 if dx is None else dx) / 2).sum(axis=axis)
    if x.ndim == 1:
        spacing = mx.diff(x).reshape((-1,) + (1,) * (y.ndim - axis - 1))
    else:
        spacing = mx.diff(x, axis=axis)
    return ((left + right) * spacing / 2).sum(axis=axis)


def tril_indices(row, col, offset=0, dtype=None):
    """torch.tril_indices: the (2, N) coordinates of the lower triangle of a row x col matrix."""
    rows, cols = _np.tril_indices(row, offset, col)
    return mx.array(_np.stack([rows, cols]).astype(_np.int64)).astype(dtype or mx.int64)


def triu_indices(row, col, offset=0, dtype=None):
    """torch.triu_indices: the (2, N) coordinates of the upper triangle of a row x col matrix."""
    rows, cols = _np.triu_indices(row, offset, col)
    return mx.array(_np.stack([rows, cols]).astype(_np.int64)).astype(dtype or mx.int64)


def _unique_np(x, dim):
    a = _np.array(x)
    return a if dim is None else _np.moveaxis(a, dim, 0)


def unique(x, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """torch.unique: the distinct values (sorted), optionally the inverse indices (x's shape)
    and counts. The count depends on the values: computed by numpy on the host, not
    traceable by mx.compile; no gradient."""
    a = _np.array(x)
    if dim is None:
        values, inverse, counts = _np.unique(a.reshape(-1), return_inverse=True, return_counts=True)
        inverse = inverse.reshape(a.shape)
    else:
        values, inverse, counts = _np.unique(a, return_inverse=True, return_counts=True, axis=dim)
        inverse = inverse.reshape(-1)
    out = [mx.array(values)]
    if return_inverse:
        out.append(mx.array(inverse.astype(_np.int64)))
    if return_counts:
        out.append(mx.array(counts.astype(_np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def unique_consecutive(x, return_inverse=False, return_counts=False, dim=None):
    """torch.unique_consecutive: drops each element (slice along dim) equal to the one before;
    optionally the inverse indices and the run lengths. Computed by numpy on the host."""
    a = _unique_np(x, dim)
    if dim is None:
        a = a.reshape(-1)
    if a.shape[0] == 0:
        starts = _np.zeros(0, dtype=bool)
    else:
        differs = (a[1:] != a[:-1]).reshape(a.shape[0] - 1, -1).any(axis=1)
        starts = _np.concatenate([[True], differs])
    values = a[starts]
    if dim is not None:
        values = _np.moveaxis(values, 0, dim)
    out = [mx.array(values)]
    if return_inverse:
        inverse = _np.cumsum(starts) - 1
        out.append(mx.array(inverse.reshape(x.shape if dim is None else (-1,)).astype(_np.int64)))
    if return_counts:
        positions = _np.flatnonzero(_np.concatenate([starts, [True]]))
        out.append(mx.array(_np.diff(positions).astype(_np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def vander_columns(x, N=None, increasing=False):
    """torch.vander: columns x**(N-1) ... x**0 (increasing: x**0 first)."""
    n = x.shape[0] if N is None else N
    powers = mx.arange(n) if increasing else mx.arange(n - 1, -1, -1)
    base = x[:, None]
    if mx.issubdtype(x.dtype, mx.floating):
        return base ** powers.astype(x.dtype)
    return (base.astype(mx.int64) ** powers.astype(mx.int64))


def _loss_reduction(loss, reduction):
    """torch's reduction enum of the aten losses: 0 none, 1 mean, 2 sum (names also accepted)."""
    if reduction in (0, "none"):
        return loss
    if reduction in (2, "sum"):
        return loss.sum()
    return loss.mean()


def aten_margin_ranking_loss(input1, input2, target, margin=0.0, reduction=0):
    """torch.margin_ranking_loss (reduction as torch's enum, none unless given; F.* default to
    the mean): max(0, -y (x1 - x2) + margin)."""
    return _loss_reduction(mx.maximum(-target * (input1 - input2) + margin, 0), reduction)


def aten_triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False, reduction=0):
    """torch.triplet_margin_loss (reduction as torch's enum, none unless given): max(d(a, p) - d(a, n) + margin, 0)
    with d the p-norm of the difference plus eps over the last axis."""
    def distance(a, b):
        return ((mx.abs(a - b + eps) ** p).sum(axis=-1)) ** (1.0 / p)

    d_pos = distance(anchor, positive)
    d_neg = distance(anchor, negative)
    if swap:
        d_neg = mx.minimum(d_neg, distance(positive, negative))
    return _loss_reduction(mx.maximum(d_pos - d_neg + margin, 0), reduction)


def aten_poisson_nll_loss(input, target, log_input, full, eps, reduction):
    """torch.poisson_nll_loss (reduction as torch's enum): exp(input) - target * input for log
    inputs, else input - target * log(input + eps); `full` adds Stirling's term for target > 1."""
    if log_input:
        loss = mx.exp(input) - target * input
    else:
        loss = input - target * mx.log(input + eps)
    if full:
        stirling = target * mx.log(target) - target + 0.5 * mx.log(2 * _math.pi * target)
        loss = loss + mx.where(target > 1, stirling, 0)
    return _loss_reduction(loss, reduction)


def _general_cosine_sym(m, a):
    if m == 1:
        return mx.ones((1,))
    n = mx.arange(m, dtype=mx.float32)
    w = mx.zeros((m,))
    for k, coefficient in enumerate(a):
        w = w + ((-1) ** k) * coefficient * mx.cos(2 * _math.pi * k * n / (m - 1))
    return w


def _window(make, M, sym, dtype):
    """A window of M points, symmetric, or periodic (the symmetric window of M + 1 points
    without its last), as torch.signal.windows computes it."""
    if M <= 1:
        return mx.ones((M,), dtype=dtype or mx.float32)
    w = make(M) if sym else make(M + 1)[:-1]
    return w.astype(dtype or mx.float32)


def window_general_cosine(M, a, sym=True, dtype=None):
    """torch.signal.windows.general_cosine: sum_k (-1)^k a_k cos(2 pi k n / (M - 1))."""
    return _window(lambda m: _general_cosine_sym(m, a), M, sym, dtype)


def window_general_hamming(M, alpha=0.54, sym=True, dtype=None):
    """torch.signal.windows.general_hamming: general_cosine with a = (alpha, 1 - alpha)."""
    return window_general_cosine(M, (alpha, 1.0 - alpha), sym, dtype)


def window_cosine(M, sym=True, dtype=None):
    """torch.signal.windows.cosine: sin(pi (n + 0.5) / M)."""
    return _window(lambda m: mx.sin(_math.pi * (mx.arange(m, dtype=mx.float32) + 0.5) / m), M, sym, dtype)


def window_gaussian(M, std=1.0, sym=True, dtype=None):
    """torch.signal.windows.gaussian: exp(-((n - (M - 1) / 2) / std)^2 / 2)."""
    return _window(lambda m: mx.exp(-(((mx.arange(m, dtype=mx.float32) - (m - 1) / 2) / std) ** 2) / 2), M, sym, dtype)


def window_exponential(M, center=None, tau=1.0, sym=True, dtype=None):
    """torch.signal.windows.exponential: exp(-|n - center| / tau), centred by default."""
    def make(m):
        c = (m - 1) / 2 if center is None else center
        return mx.exp(-mx.abs(mx.arange(m, dtype=mx.float32) - c) / tau)
    return _window(make, M, sym, dtype)


def legacy_lu(A, pivot=True, get_infos=False):
    """torch.lu: (LU, pivots) with torch's 1-based int32 pivots (and zero infos when asked);
    mx.linalg.lu_factor counts pivots from 0."""
    LU, pivots = mx.linalg.lu_factor(A, stream=mx.cpu)
    pivots = (pivots + 1).astype(mx.int32)
    if get_infos:
        return LU, pivots, mx.zeros(A.shape[:-2], dtype=mx.int32)
    return LU, pivots


def _permutation(pivots, n):
    """The row order that 1-based LAPACK pivots (swaps applied in turn) produce."""
    perm = list(range(n))
    for i, p in enumerate(pivots):
        perm[i], perm[p - 1] = perm[p - 1], perm[i]
    return perm


def legacy_lu_unpack(LU, pivots, unpack_data=True, unpack_pivots=True):
    """torch.lu_unpack: (P, L, U) from torch.lu's packed LU and 1-based pivots, A = P L U.
    The pivots are read on the host."""
    n, k = LU.shape[-2], min(LU.shape[-2:])
    L = mx.tril(LU, -1)[..., :, :k] + mx.eye(n, k, dtype=LU.dtype)
    U = mx.triu(LU)[..., :k, :]
    piv = _np.array(pivots).reshape(-1, pivots.shape[-1])
    mats = []
    for row in piv:
        perm = _permutation(row.tolist(), n)
        P = _np.zeros((n, n), dtype=_np.float32)
        P[perm, _np.arange(n)] = 1
        mats.append(P)
    P = mx.array(_np.stack(mats).reshape(tuple(pivots.shape[:-1]) + (n, n))).astype(LU.dtype)
    return _Lu(P, L, U)


def legacy_lu_solve(b, LU, pivots):
    """torch.lu_solve: the solution X of A X = b from torch.lu's factorization of A."""
    P, L, U = legacy_lu_unpack(LU, pivots)
    y = mx.linalg.solve_triangular(L, mx.swapaxes(P, -1, -2) @ b, upper=False, stream=mx.cpu)
    return mx.linalg.solve_triangular(U, y, upper=True, stream=mx.cpu)


def legacy_svd(A, some=True, compute_uv=True):
    """torch.svd: (U, S, V), V not transposed, reduced unless some=False. Singular vectors are
    unique only up to sign: MLX's may differ from torch's by a sign per vector."""
    if not compute_uv:
        S = mx.linalg.svd(A, compute_uv=False, stream=mx.cpu)
        m, n = A.shape[-2:]
        return _Svd(mx.zeros(A.shape[:-2] + (m, m if not some else min(m, n))), S,
                    mx.zeros(A.shape[:-2] + (n, n if not some else min(m, n))))
    U, S, Vt = mx.linalg.svd(A, stream=mx.cpu)
    V = mx.swapaxes(Vt, -1, -2)
    if some:
        k = S.shape[-1]
        U, V = U[..., :, :k], V[..., :, :k]
    return _Svd(U, S, V)


def slogdet_named(A):
    """torch.slogdet: (sign, logabsdet) as a named pair."""
    sign, logabsdet = mx.linalg.slogdet(A, stream=mx.cpu)
    return _SignLogAbsDet(sign, logabsdet)


def legacy_triangular_solve(b, A, upper=True, transpose=False, unitriangular=False):
    """torch.triangular_solve (deprecated): (solution, cloned_coefficient) of A X = b with A
    triangular (only its `upper` or lower triangle is read)."""
    T = mx.triu(A) if upper else mx.tril(A)
    if unitriangular:
        T = T - T * mx.eye(A.shape[-1], dtype=A.dtype) + mx.eye(A.shape[-1], dtype=A.dtype)
    if transpose:
        T, upper = mx.swapaxes(T, -1, -2), not upper
    return _TriangularSolve(mx.linalg.solve_triangular(T, b, upper=upper, stream=mx.cpu), A)
