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


# --- nn.functional and nn layers (API table) ---
# torch's functional ops take channels-first arrays ((N, C, *spatial) or unbatched (C, *spatial))
# and conv weights (O, I, *k); MLX's layers and convolutions are channels-last. The functions
# below keep torch's layouts, so a port of a call computes what torch computes; the layer
# classes are channels-last, as MLX's own layers are.
import math  # noqa: E402


def _ntuple(value, n):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


def ntuple(x, n):
    """torch.nn.modules.utils._single/_pair/_triple/_quadruple: an iterable as a tuple,
    anything else repeated n times."""
    return tuple(x) if hasattr(x, "__iter__") else (x,) * n


def channels_first(function, x, spatial):
    """Apply a channels-last MLX layer or function (a pooling layer, a convolution) to torch's
    channels-first `x`, batched or not; the result is channels-first again."""
    unbatched = x.ndim == spatial + 1
    if unbatched:
        x = x[None]
    y = mx.moveaxis(function(mx.moveaxis(x, 1, -1)), -1, 1)
    return y[0] if unbatched else y


def conv(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """F.conv1d/conv2d/conv3d on torch's layouts: input (N, C, *S) or (C, *S), weight
    (O, C / groups, *k); padding an int, a tuple, "valid" or "same" (torch puts the odd extra
    padding after)."""
    spatial = weight.ndim - 2
    stride, dilation = _ntuple(stride, spatial), _ntuple(dilation, spatial)
    if padding == "valid":
        low = high = (0,) * spatial
    elif padding == "same":
        total = [d * (k - 1) for d, k in zip(dilation, weight.shape[2:])]
        low = tuple(t // 2 for t in total)
        high = tuple(t - t // 2 for t in total)
    else:
        low = high = _ntuple(padding, spatial)
    kernel = mx.moveaxis(weight, 1, -1)

    def convolve(x):
        y = mx.conv_general(x, kernel, stride=stride, padding=(low, high), kernel_dilation=dilation, groups=groups)
        return y if bias is None else y + bias

    return channels_first(convolve, input, spatial)


def conv_transpose(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """F.conv_transpose1d/2d/3d on torch's layouts: input (N, C, *S) or (C, *S), weight
    (C, O / groups, *k) (MLX wants (O, *k, C / groups))."""
    spatial = weight.ndim - 2
    channels, per_group = weight.shape[:2]
    kernel = weight.reshape(groups, channels // groups, per_group, *weight.shape[2:])
    kernel = mx.moveaxis(kernel, 1, -1).reshape(groups * per_group, *weight.shape[2:], channels // groups)
    transpose = {1: mx.conv_transpose1d, 2: mx.conv_transpose2d, 3: mx.conv_transpose3d}[spatial]

    def convolve(x):
        y = transpose(x, kernel, stride=stride, padding=padding, dilation=dilation, output_padding=output_padding, groups=groups)
        return y if bias is None else y + bias

    return channels_first(convolve, input, spatial)


def _adaptive_pool(x, output_size, spatial, reduce):
    """Channels-last `x` (N, *S, C) pooled to `output_size` with torch's bins: bin i of an axis
    of length L spans [floor(i * L / out), ceil((i + 1) * L / out)). Bins are products of
    per-axis intervals, so pooling one axis after the other is the same."""
    for axis, out in zip(range(1, spatial + 1), _ntuple(output_size, spatial)):
        length = x.shape[axis]
        if out is None or out == length:
            continue
        if length % out == 0:
            shape = x.shape[:axis] + (out, length // out) + x.shape[axis + 1:]
            x = reduce(x.reshape(shape), axis=axis + 1)
            continue
        bins = [mx.arange(i * length // out, -(-(i + 1) * length // out)) for i in range(out)]
        x = mx.concatenate([reduce(mx.take(x, b, axis=axis), axis=axis, keepdims=True) for b in bins], axis=axis)
    return x


def adaptive_avg_pool(x, output_size, spatial):
    """F.adaptive_avg_pool1d/2d/3d on a channels-first array."""
    return channels_first(lambda y: _adaptive_pool(y, output_size, spatial, mx.mean), x, spatial)


def adaptive_max_pool(x, output_size, spatial):
    """F.adaptive_max_pool1d/2d/3d (without return_indices) on a channels-first array."""
    return channels_first(lambda y: _adaptive_pool(y, output_size, spatial, mx.max), x, spatial)


def lp_pool(x, norm_type, kernel_size, stride=None, spatial=2):
    """F.lp_pool1d/2d on a channels-first array: (sum over the window of x ** p) ** (1 / p),
    computed as torch does, from an average pool."""
    kernel = _ntuple(kernel_size, spatial)
    pool = {1: nn.AvgPool1d, 2: nn.AvgPool2d}[spatial](kernel, stride)
    out = channels_first(pool, x ** norm_type, spatial)
    return (mx.sign(out) * nn.relu(mx.abs(out)) * math.prod(kernel)) ** (1.0 / norm_type)


def _bernoulli_keep(p, shape):
    return mx.random.bernoulli(1 - p, shape)


def dropout(x, p=0.5, training=True):
    """F.dropout: torch's functional dropout drops unless `training=False` is passed (the
    nn.Dropout layer follows train()/eval() instead); kept elements are scaled by 1 / (1 - p)."""
    if not training or p == 0:
        return x
    if p == 1:
        return mx.zeros_like(x)
    return mx.where(_bernoulli_keep(p, x.shape), x / (1 - p), mx.zeros_like(x))


def feature_dropout(x, p=0.5, training=True, spatial=2):
    """F.dropout1d/2d/3d: whole channels of a channels-first array ((N, C, *S) or (C, *S))
    are dropped together."""
    if not training or p == 0:
        return x
    if p == 1:
        return mx.zeros_like(x)
    keep = _bernoulli_keep(p, x.shape[: x.ndim - spatial] + (1,) * spatial)
    return mx.where(keep, x / (1 - p), mx.zeros_like(x))


def _alpha_dropout(x, p, keep_shape):
    alpha = 1.7580993408473766  # SELU's scale * alpha: its negative saturation value
    noise = _bernoulli_keep(p, keep_shape).astype(x.dtype)
    a = 1.0 / math.sqrt((alpha * alpha * p + 1) * (1 - p))
    return x * noise * a + (noise - 1) * alpha * a + alpha * a * p


def alpha_dropout(x, p=0.5, training=False, feature=False):
    """F.alpha_dropout (and F.feature_alpha_dropout with `feature`: whole channels of a
    channels-first (N, C, *S) array): dropped elements take SELU's negative saturation value
    and an affine map keeps the mean and variance, as torch computes it. Off unless
    `training=True` is passed."""
    if not training or p == 0:
        return x
    return _alpha_dropout(x, p, x.shape[:2] + (1,) * (x.ndim - 2) if feature else x.shape)


def normalize(x, p=2.0, dim=1, eps=1e-12):
    """F.normalize: x / max(||x||_p over `dim`, eps)."""
    if p == math.inf:
        norm = mx.abs(x).max(axis=dim, keepdims=True)
    else:
        norm = (mx.abs(x) ** p).sum(axis=dim, keepdims=True) ** (1.0 / p)
    return x / mx.maximum(norm, eps)


def one_hot(tensor, num_classes=-1):
    """F.one_hot: int64 one-hot vectors on a new last axis; -1 classes means max + 1."""
    if num_classes < 0:
        num_classes = int(tensor.max().item()) + 1
    return (tensor[..., None] == mx.arange(num_classes)).astype(mx.int64)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """F.cosine_similarity: sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps)) over `dim`,
    the inputs broadcast together first (the norms are of the broadcast arrays, as torch's)."""
    shape = mx.broadcast_shapes(x1.shape, x2.shape)
    x1, x2 = mx.broadcast_to(x1, shape), mx.broadcast_to(x2, shape)
    n1 = mx.maximum(mx.sqrt((x1 * x1).sum(axis=dim)), eps)
    n2 = mx.maximum(mx.sqrt((x2 * x2).sum(axis=dim)), eps)
    return (x1 * x2).sum(axis=dim) / (n1 * n2)


def _vector_norm(x, p, axis, keepdims=False):
    if p == math.inf:
        return mx.abs(x).max(axis=axis, keepdims=keepdims)
    if p == 0:
        return (x != 0).sum(axis=axis, keepdims=keepdims).astype(x.dtype)
    return (mx.abs(x) ** p).sum(axis=axis, keepdims=keepdims) ** (1.0 / p)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """F.pairwise_distance: ||x1 - x2 + eps||_p over the last axis."""
    return _vector_norm(x1 - x2 + eps, p, -1, keepdim)


def pdist(x, p=2):
    """F.pdist: the p-norm distance of every pair of rows i < j of an (N, M) array, in row
    order."""
    n = x.shape[0]
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    if not pairs:
        return mx.zeros((0,), dtype=x.dtype)
    first = mx.array([i for i, _ in pairs])
    second = mx.array([j for _, j in pairs])
    return _vector_norm(x[first] - x[second], p, -1)


def pixel_shuffle(x, upscale_factor):
    """F.pixel_shuffle on a channels-first array: (*, C * r * r, H, W) → (*, C, H * r, W * r)."""
    r = upscale_factor
    *lead, c, h, w = x.shape
    n = len(lead)
    x = x.reshape(*lead, c // (r * r), r, r, h, w)
    x = mx.transpose(x, (*range(n), n, n + 3, n + 1, n + 4, n + 2))
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(x, downscale_factor):
    """F.pixel_unshuffle on a channels-first array: (*, C, H * r, W * r) → (*, C * r * r, H, W)."""
    r = downscale_factor
    *lead, c, h, w = x.shape
    n = len(lead)
    x = x.reshape(*lead, c, h // r, r, w // r, r)
    x = mx.transpose(x, (*range(n), n, n + 2, n + 4, n + 1, n + 3))
    return x.reshape(*lead, c * r * r, h // r, w // r)


def channel_shuffle(x, groups):
    """F.channel_shuffle on a channels-first (N, C, *S) array: channels regrouped as
    (C / groups, groups)."""
    n, c = x.shape[:2]
    x = x.reshape(n, groups, c // groups, *x.shape[2:])
    return mx.swapaxes(x, 1, 2).reshape(n, c, *x.shape[3:])


def _cubic_weights(t, a=-0.75):
    """torch's bicubic convolution weights for source offsets -1, 0, 1, 2 at fraction t."""
    near = lambda d: ((a + 2) * d - (a + 3)) * d * d + 1
    far = lambda d: ((a * d - 5 * a) * d + 8 * a) * d - 4 * a
    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """F.interpolate (and F.upsample) on a channels-first (N, C, *S) array, one spatial axis
    after the other, with torch's coordinate mapping: the scale is in / out for `size` and
    1 / scale_factor otherwise; nearest picks floor(i * scale) (nearest-exact: floor((i + 0.5)
    * scale)); linear modes (linear, bilinear, trilinear) and bicubic sample at
    (i + 0.5) * scale - 0.5, or i * (in - 1) / (out - 1) with align_corners."""
    spatial = input.ndim - 2
    if size is not None:
        sizes = _ntuple(size, spatial)
        scales = tuple(i / o for o, i in zip(sizes, input.shape[2:]))
    else:
        factors = _ntuple(scale_factor, spatial)
        sizes = tuple(int(math.floor(i * f)) for i, f in zip(input.shape[2:], factors))
        scales = tuple(1.0 / f for f in factors)
    if mode not in ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "bicubic"):
        raise ValueError(f"interpolate: mode {mode!r} is not ported")
    for axis, (out, scale) in enumerate(zip(sizes, scales), start=2):
        length = input.shape[axis]
        position = mx.arange(out).astype(mx.float32)
        take = lambda index: mx.take(input, mx.clip(index, 0, length - 1).astype(mx.int32), axis=axis)
        shape = [1] * input.ndim
        shape[axis] = out
        if mode in ("nearest", "nearest-exact"):
            shift = 0.5 if mode == "nearest-exact" else 0.0
            input = take(mx.floor((position + shift) * scale))
            continue
        if align_corners:
            source = position * ((length - 1) / (out - 1) if out > 1 else 0.0)
        else:
            source = (position + 0.5) * scale - 0.5
        if mode == "bicubic":
            low = mx.floor(source)
            weights = _cubic_weights(source - low)
            input = sum(take(low + k - 1) * w.reshape(shape) for k, w in enumerate(weights))
        else:
            source = mx.maximum(source, 0.0)
            low = mx.floor(source)
            weight = (source - low).reshape(shape)
            input = take(low) * (1 - weight) + take(low + 1) * weight
    return input


def _patch_kernel(channels, kernel, dtype):
    """Weights (C * kk, 1, *kernel) of a grouped convolution copying each kernel position of
    each channel to its own output channel, in torch's (channel, position) order."""
    positions = math.prod(kernel)
    eye = mx.eye(positions, dtype=dtype).reshape(positions, 1, *kernel)
    return mx.tile(eye, (channels, 1) + (1,) * len(kernel))


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """F.unfold (im2col) on a channels-first (N, C, H, W) array: (N, C * kH * kW, L), each
    column a patch in torch's order (channel, kernel row, kernel column)."""
    kernel = _ntuple(kernel_size, 2)
    channels = input.shape[1]
    patches = conv(input, _patch_kernel(channels, kernel, input.dtype), None, stride, padding, dilation, channels)
    return patches.reshape(patches.shape[0], patches.shape[1], -1)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """F.fold (col2im) of (N, C * kH * kW, L) patches into (N, C, *output_size), overlapping
    values summed: the transpose of unfold."""
    kernel, size = _ntuple(kernel_size, 2), _ntuple(output_size, 2)
    dilation, padding, stride = _ntuple(dilation, 2), _ntuple(padding, 2), _ntuple(stride, 2)
    blocks = [(o + 2 * p - d * (k - 1) - 1) // s + 1 for o, p, d, k, s in zip(size, padding, dilation, kernel, stride)]
    n, rows = input.shape[:2]
    channels = rows // math.prod(kernel)
    built = [(b - 1) * s - 2 * p + d * (k - 1) + 1 for b, s, p, d, k in zip(blocks, stride, padding, dilation, kernel)]
    extra = tuple(o - b for o, b in zip(size, built))
    return conv_transpose(input.reshape(n, rows, *blocks), _patch_kernel(channels, kernel, input.dtype), None, stride, padding, extra, channels, dilation)


def affine_grid(theta, size, align_corners=False):
    """F.affine_grid: the sampling grid (N, H, W, 2) (or (N, D, H, W, 3) for a 5-D size) of the
    affine maps theta (N, 2, 3) (or (N, 3, 4)) over normalised coordinates in [-1, 1], x first."""

    def axis(n):
        if align_corners:
            return mx.linspace(-1, 1, n) if n > 1 else mx.zeros((1,))
        return (mx.arange(n) * 2 + 1) / n - 1

    spatial = list(size[2:])
    coords = mx.meshgrid(*[axis(n) for n in spatial], indexing="ij")  # slowest axis first
    base = mx.stack(list(coords[::-1]) + [mx.ones(coords[0].shape)], axis=-1).astype(theta.dtype)
    grid = base.reshape(1, -1, len(spatial) + 1) @ theta.swapaxes(-1, -2)
    return grid.reshape(theta.shape[0], *spatial, len(spatial))


def _grid_coordinate(coordinate, size, padding_mode, align_corners):
    """A normalised grid coordinate → a pixel position, padded as torch pads it."""
    if align_corners:
        position = (coordinate + 1) / 2 * (size - 1)
    else:
        position = ((coordinate + 1) * size - 1) / 2
    if padding_mode == "reflection":
        low, high = (0.0, size - 1.0) if align_corners else (-0.5, size - 0.5)
        span = high - low
        if span <= 0:
            return mx.zeros_like(position)
        distance = mx.abs(position - low)
        flips = mx.floor(distance / span)
        extra = distance - flips * span
        position = mx.where(flips % 2 == 0, low + extra, high - extra)
    if padding_mode in ("border", "reflection"):
        position = mx.clip(position, 0, size - 1)
    return position


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """F.grid_sample on a channels-first (N, C, H, W) input at grid (N, Ho, Wo, 2) of
    normalised (x, y): modes bilinear and nearest (ties to even, as torch), padding zeros,
    border and reflection, torch's coordinate mapping (align_corners False by default)."""
    if mode not in ("bilinear", "nearest") or padding_mode not in ("zeros", "border", "reflection") or input.ndim != 4:
        raise ValueError(f"grid_sample: mode {mode!r}, padding {padding_mode!r} on {input.ndim}-D input is not ported")
    n, c, h, w = input.shape
    x = _grid_coordinate(grid[..., 0], w, padding_mode, bool(align_corners))
    y = _grid_coordinate(grid[..., 1], h, padding_mode, bool(align_corners))
    flat = input.reshape(n, c, h * w)

    def sample(xi, yi):
        valid = (xi >= 0) & (xi <= w - 1) & (yi >= 0) & (yi <= h - 1)
        index = (mx.clip(yi, 0, h - 1) * w + mx.clip(xi, 0, w - 1)).astype(mx.int32).reshape(n, 1, -1)
        values = mx.take_along_axis(flat, mx.broadcast_to(index, (n, c, index.shape[-1])), axis=2)
        return values.reshape(n, c, *xi.shape[1:]) * valid.reshape(n, 1, *xi.shape[1:])

    if mode == "nearest":
        return sample(mx.round(x), mx.round(y))
    x0, y0 = mx.floor(x), mx.floor(y)
    wx, wy = (x - x0)[:, None], (y - y0)[:, None]
    return (sample(x0, y0) * (1 - wx) * (1 - wy) + sample(x0 + 1, y0) * wx * (1 - wy)
            + sample(x0, y0 + 1) * (1 - wx) * wy + sample(x0 + 1, y0 + 1) * wx * wy)


def gumbel_softmax(logits, tau=1.0, hard=False, dim=-1):
    """F.gumbel_softmax: softmax((logits + Gumbel noise) / tau); `hard` gives one-hot samples
    whose gradient is the soft sample's (straight-through)."""
    y = mx.softmax((logits + mx.random.gumbel(logits.shape)) / tau, axis=dim)
    if not hard:
        return y
    index = mx.argmax(y, axis=dim, keepdims=True)
    positions = mx.arange(y.shape[dim]).reshape([-1 if a == dim % y.ndim else 1 for a in range(y.ndim)])
    y_hard = (positions == index).astype(y.dtype)
    return mx.stop_gradient(y_hard - y) + y


def _per_channel(v, ndim):
    return v.reshape((-1,) + (1,) * (ndim - 2))


def group_norm(x, num_groups, weight=None, bias=None, eps=1e-5):
    """F.group_norm on a channels-first (N, C, *S) array: statistics per sample and group."""
    n = x.shape[0]
    groups = x.reshape(n, num_groups, -1)
    mean = groups.mean(axis=-1, keepdims=True)
    var = groups.var(axis=-1, keepdims=True)
    y = ((groups - mean) * mx.rsqrt(var + eps)).reshape(x.shape)
    if weight is not None:
        y = y * _per_channel(weight, x.ndim)
    if bias is not None:
        y = y + _per_channel(bias, x.ndim)
    return y


def batch_norm(x, running_mean, running_var, weight=None, bias=None, eps=1e-5):
    """F.batch_norm with training=False on a channels-first (N, C, *S) array: the running
    statistics normalise each channel."""
    y = (x - _per_channel(running_mean, x.ndim)) * mx.rsqrt(_per_channel(running_var, x.ndim) + eps)
    if weight is not None:
        y = y * _per_channel(weight, x.ndim)
    if bias is not None:
        y = y + _per_channel(bias, x.ndim)
    return y


def instance_norm(x, weight=None, bias=None, eps=1e-5):
    """F.instance_norm (use_input_stats) on a channels-first (N, C, *S) array: statistics per
    sample and channel."""
    axes = tuple(range(2, x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    y = (x - mean) * mx.rsqrt(var + eps)
    if weight is not None:
        y = y * _per_channel(weight, x.ndim)
    if bias is not None:
        y = y + _per_channel(bias, x.ndim)
    return y


def local_response_norm(x, size, alpha=1e-4, beta=0.75, k=1.0):
    """F.local_response_norm on a channels-first (N, C, *S) array: each value divided by
    (k + alpha * mean of the squares of `size` neighbouring channels) ** beta, the window
    padded with zeros as torch's is."""
    squares = mx.pad(x * x, [(0, 0), (size // 2, (size - 1) // 2)] + [(0, 0)] * (x.ndim - 2))
    total = mx.cumsum(squares, axis=1)
    total = mx.concatenate([mx.zeros_like(total[:, :1]), total], axis=1)
    window = (total[:, size:] - total[:, :-size]) / size
    return x / (k + alpha * window) ** beta


def prelu(x, weight):
    """F.prelu: a slope per channel (axis 1 of a channels-first array) or one for all."""
    if weight.size > 1 and x.ndim > 1:
        weight = _per_channel(weight, x.ndim)
    return mx.maximum(x, 0) + weight * mx.minimum(x, 0)


def softplus(x, beta=1.0, threshold=20.0):
    """F.softplus with beta and threshold: log(1 + exp(beta * x)) / beta, and x itself where
    beta * x > threshold."""
    return mx.where(x * beta > threshold, x, nn.softplus(x * beta) / beta)


def calculate_gain(nonlinearity, param=None):
    """torch.nn.init.calculate_gain: the recommended gain of an initialiser before a
    nonlinearity."""
    if nonlinearity in ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid"):
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


class Lambda(nn.Module):
    """A layer without parameters that computes a function of its inputs: the torch layers
    MLX has no class for (`nn.Softmax(dim=1)`, `nn.Tanhshrink()`, `nn.Unflatten(...)`)."""

    def __init__(self, function):
        super().__init__()
        self.function = function

    def __call__(self, *inputs):
        return self.function(*inputs)


class Flatten(nn.Module):
    """nn.Flatten: axes start_dim..end_dim made one. With `channels_last`, a channels-last
    feature map's channels move back to axis 1 first, so the result has torch's order."""

    def __init__(self, start_dim=1, end_dim=-1, channels_last=False):
        super().__init__()
        self.start_dim, self.end_dim, self.channels_last = start_dim, end_dim, channels_last

    def __call__(self, x):
        if self.channels_last and x.ndim > 2:
            x = mx.moveaxis(x, -1, 1)
        return mx.flatten(x, self.start_dim, self.end_dim)


class _Spatial(nn.Module):
    """A channels-last layer over `spatial` axes: (N, *S, C), or unbatched (*S, C)."""

    def __init__(self, spatial):
        super().__init__()
        self.spatial = spatial

    def __call__(self, x):
        unbatched = x.ndim == self.spatial + 1
        y = self.apply_batched(x[None] if unbatched else x)
        return y[0] if unbatched else y


class AdaptiveAvgPool(_Spatial):
    """nn.AdaptiveAvgPool1d/2d/3d, channels-last: torch's bins (see _adaptive_pool)."""

    def __init__(self, output_size, spatial):
        super().__init__(spatial)
        self.output_size = output_size

    def apply_batched(self, x):
        return _adaptive_pool(x, self.output_size, self.spatial, mx.mean)


class AdaptiveMaxPool(AdaptiveAvgPool):
    """nn.AdaptiveMaxPool1d/2d/3d (without return_indices), channels-last."""

    def apply_batched(self, x):
        return _adaptive_pool(x, self.output_size, self.spatial, mx.max)


class LPPool(_Spatial):
    """nn.LPPool1d/2d, channels-last."""

    def __init__(self, norm_type, kernel_size, stride=None, spatial=2):
        super().__init__(spatial)
        self.norm_type, self.kernel_size, self.stride = norm_type, kernel_size, stride

    def apply_batched(self, x):
        return mx.moveaxis(lp_pool(mx.moveaxis(x, -1, 1), self.norm_type, self.kernel_size, self.stride, self.spatial), 1, -1)


class Pad(_Spatial):
    """nn.ZeroPad/ConstantPad/ReflectionPad/ReplicationPad/CircularPad{1,2,3}d, channels-last:
    `padding` is an int (every side) or torch's flat tuple, which runs from the LAST spatial
    axis backwards: (left, right, top, bottom, front, back)."""

    MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge"}

    def __init__(self, padding, spatial, mode="constant", value=0.0):
        super().__init__(spatial)
        self.padding = _ntuple(padding, 2 * spatial)
        self.mode, self.value = mode, value

    def apply_batched(self, x):
        pairs = [(0, 0)] * x.ndim
        for i in range(self.spatial):
            pairs[x.ndim - 2 - i] = (self.padding[2 * i], self.padding[2 * i + 1])
        if self.mode != "circular":
            return mx.pad(x, pairs, mode=self.MODES[self.mode], constant_values=self.value)
        for axis, (low, high) in enumerate(pairs):
            if low or high:
                length = x.shape[axis]
                x = mx.take(x, mx.arange(-low, length + high) % length, axis=axis)
        return x


class PixelShuffle(nn.Module):
    """nn.PixelShuffle, channels-last: (*, H, W, C * r * r) → (*, H * r, W * r, C)."""

    def __init__(self, upscale_factor):
        super().__init__()
        self.upscale_factor = upscale_factor

    def __call__(self, x):
        return mx.moveaxis(pixel_shuffle(mx.moveaxis(x, -1, -3), self.upscale_factor), -3, -1)


class PixelUnshuffle(nn.Module):
    """nn.PixelUnshuffle, channels-last: (*, H * r, W * r, C) → (*, H, W, C * r * r)."""

    def __init__(self, downscale_factor):
        super().__init__()
        self.downscale_factor = downscale_factor

    def __call__(self, x):
        return mx.moveaxis(pixel_unshuffle(mx.moveaxis(x, -1, -3), self.downscale_factor), -3, -1)


class ChannelShuffle(nn.Module):
    """nn.ChannelShuffle, channels-last: the last axis regrouped as (C / groups, groups)."""

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def __call__(self, x):
        c = x.shape[-1]
        x = x.reshape(*x.shape[:-1], self.groups, c // self.groups)
        return mx.swapaxes(x, -1, -2).reshape(*x.shape[:-2], c)


class FeatureDropout(nn.Module):
    """nn.Dropout1d, channels-last: (N, L, C) or (L, C); whole channels dropped together in
    training, as MLX's Dropout2d/3d do for images."""

    def __init__(self, p=0.5, spatial=1):
        super().__init__()
        self.p, self.spatial = p, spatial

    def __call__(self, x):
        if not self.training or self.p == 0:
            return x
        shape = x.shape[: x.ndim - self.spatial - 1] + (1,) * self.spatial + x.shape[-1:]
        return mx.where(_bernoulli_keep(self.p, shape), x / (1 - self.p), mx.zeros_like(x))


class AlphaDropout(nn.Module):
    """nn.AlphaDropout (and nn.FeatureAlphaDropout with `feature`: whole channels of a
    channels-last (N, *S, C) array): see alpha_dropout; on in training only."""

    def __init__(self, p=0.5, feature=False):
        super().__init__()
        self.p, self.feature = p, feature

    def __call__(self, x):
        if not self.training or self.p == 0:
            return x
        shape = (x.shape[0],) + (1,) * (x.ndim - 2) + x.shape[-1:] if self.feature else x.shape
        return _alpha_dropout(x, self.p, shape)


class Upsample(nn.Module):
    """nn.Upsample, nn.UpsamplingNearest2d and nn.UpsamplingBilinear2d, channels-last, with
    torch's coordinates (see interpolate; MLX's nn.Upsample centres its grid otherwise when
    the output size is not the input size times the factor, and takes no `size`)."""

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None):
        super().__init__()
        self.size, self.scale_factor, self.mode, self.align_corners = size, scale_factor, mode, align_corners

    def __call__(self, x):
        y = interpolate(mx.moveaxis(x, -1, 1), self.size, self.scale_factor, self.mode, self.align_corners)
        return mx.moveaxis(y, 1, -1)


class LocalResponseNorm(nn.Module):
    """nn.LocalResponseNorm, channels-last: see local_response_norm (across the last axis)."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def __call__(self, x):
        y = local_response_norm(mx.moveaxis(x, -1, 1), self.size, self.alpha, self.beta, self.k)
        return mx.moveaxis(y, 1, -1)


class Embedding(nn.Embedding):
    """nn.Embedding(padding_idx=...): torch zeroes that row at construction and never sends it
    a gradient, so it stays what it was loaded as."""

    def __init__(self, num_embeddings, dims, padding_idx=None):
        super().__init__(num_embeddings, dims)
        if padding_idx is not None and padding_idx < 0:
            padding_idx += num_embeddings
        self.padding_idx = padding_idx
        if padding_idx is not None:
            self.weight = mx.where(self._padding_row(), 0, self.weight)

    def _padding_row(self):
        return (mx.arange(self.weight.shape[0]) == self.padding_idx)[:, None]

    def __call__(self, x):
        if self.padding_idx is None:
            return self.weight[x]
        return mx.where(self._padding_row(), mx.stop_gradient(self.weight), self.weight)[x]


class Bilinear(nn.Module):
    """nn.Bilinear with torch's weight layout (out, in1, in2), so torch weights load by name:
    y = x1 · W_o · x2 + b_o. (MLX's nn.Bilinear stores (out, in2, in1).)"""

    def __init__(self, in1_features, in2_features, out_features, bias=True):
        super().__init__()
        scale = 1.0 / math.sqrt(in1_features)
        self.weight = mx.random.uniform(-scale, scale, (out_features, in1_features, in2_features))
        if bias:
            self.bias = mx.random.uniform(-scale, scale, (out_features,))

    def __call__(self, x1, x2):
        y = mx.einsum("...i,oij,...j->...o", x1, self.weight, x2)
        return y + self.bias if "bias" in self else y


# Losses the losses rule does not cover, with torch's formulas and reductions ("mean" by
# default where MLX's losses default to "none"); legacy size_average/reduce are not ported.
def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def hinge_embedding_loss(input, target, margin=1.0, reduction="mean"):
    """F.hinge_embedding_loss: x where the target is 1, max(0, margin - x) where it is -1."""
    loss = mx.where(target != -1, input, 0) + mx.where(target != 1, mx.maximum(margin - input, 0), 0)
    return _reduce(loss, reduction)


def soft_margin_loss(input, target, reduction="mean"):
    """F.soft_margin_loss: log(1 + exp(-y * x))."""
    return _reduce(nn.softplus(-target * input), reduction)


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction="mean"):
    """F.cosine_embedding_loss: 1 - cos where the target is 1, max(0, cos - margin) where it is
    -1; cos over the last axis of (N, D) inputs (of D for 1-D ones), as torch computes it."""
    axis = target.ndim
    eps = 1e-12
    cos = (input1 * input2).sum(axis=axis) / mx.sqrt(((input1 * input1).sum(axis=axis) + eps) * ((input2 * input2).sum(axis=axis) + eps))
    loss = mx.where(target == 1, 1 - cos, 0) + mx.where(target == -1, mx.maximum(cos - margin, 0), 0)
    return _reduce(loss, reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, reduction="mean"):
    """F.triplet_margin_loss: max(d(a, p) - d(a, n) + margin, 0) with torch's pairwise
    distance ||a - b + eps||_p; `swap` uses min(d(a, n), d(p, n))."""
    positive_distance = pairwise_distance(anchor, positive, p, eps)
    negative_distance = pairwise_distance(anchor, negative, p, eps)
    if swap:
        negative_distance = mx.minimum(negative_distance, pairwise_distance(positive, negative, p, eps))
    return _reduce(mx.maximum(margin + positive_distance - negative_distance, 0), reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """F.gaussian_nll_loss: 0.5 * (log(var) + (input - target) ** 2 / var), var clamped to eps;
    a var with one axis fewer than the input (or a last axis of 1) is broadcast; `full` adds
    0.5 * log(2 * pi)."""
    if not isinstance(var, mx.array):
        var = mx.full(input.shape, var, dtype=input.dtype)
    elif var.shape != input.shape and var.shape == input.shape[:-1]:
        var = var[..., None]
    var = mx.maximum(var, eps)
    loss = 0.5 * (mx.log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, eps=1e-8, reduction="mean"):
    """F.poisson_nll_loss: exp(x) - y * x for log-rate inputs, else x - y * log(x + eps);
    `full` adds Stirling's term where y > 1."""
    loss = mx.exp(input) - target * input if log_input else input - target * mx.log(input + eps)
    if full:
        safe = mx.where(target > 1, target, 2)
        stirling = safe * mx.log(safe) - safe + 0.5 * mx.log(2 * math.pi * safe)
        loss = loss + mx.where(target > 1, stirling, 0)
    return _reduce(loss, reduction)


def multilabel_soft_margin_loss(input, target, weight=None, reduction="mean"):
    """F.multilabel_soft_margin_loss: binary cross-entropy of logits per class, averaged over
    the classes (last axis), then reduced over the samples."""
    loss = -(target * nn.log_sigmoid(input) + (1 - target) * nn.log_sigmoid(-input))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss.mean(axis=-1), reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, reduction="mean"):
    """F.multi_margin_loss: per sample, sum over classes i != y of max(0, margin - x[y] +
    x[i]) ** p (times weight[y]), divided by the number of classes."""
    x = input if input.ndim > 1 else input[None]
    y = target.reshape(-1)
    picked = mx.take_along_axis(x, y[:, None], axis=1)
    loss = mx.maximum(margin - picked + x, 0) ** p
    if weight is not None:
        loss = loss * weight[y][:, None]
    loss = mx.where(mx.arange(x.shape[1]) == y[:, None], 0, loss).sum(axis=1) / x.shape[1]
    return _reduce(loss if input.ndim > 1 else loss[0], reduction)


def multilabel_margin_loss(input, target, reduction="mean"):
    """F.multilabel_margin_loss: the target lists class indices, ended by the first -1; per
    sample, sum over listed j and unlisted i of max(0, 1 - (x[j] - x[i])), divided by the
    number of classes."""
    x = input if input.ndim > 1 else input[None]
    t = target if target.ndim > 1 else target[None]
    classes = x.shape[1]
    listed = mx.cumprod((t != -1).astype(mx.int32), axis=1).astype(mx.bool_)
    index = mx.where(listed, t, 0)
    is_target = ((index[:, :, None] == mx.arange(classes)) & listed[:, :, None]).any(axis=1)
    picked = mx.take_along_axis(x, index, axis=1)
    margins = mx.maximum(1 - (picked[:, :, None] - x[:, None, :]), 0)
    loss = (margins * listed[:, :, None] * ~is_target[:, None, :]).sum(axis=(1, 2)) / classes
    return _reduce(loss if input.ndim > 1 else loss[0], reduction)


class BatchNorm3d(nn.BatchNorm):
    """nn.BatchNorm3d, channels-last (N, D, H, W, C): MLX's BatchNorm takes at most 4-D input,
    so depth and height are merged for it (the statistics are per channel either way)."""

    def __call__(self, x):
        n, d, h, w, c = x.shape
        return super().__call__(x.reshape(n, d * h, w, c)).reshape(x.shape)


def _rnn_step(kind, x, state, w_ih, w_hh, b_ih, b_hh, nonlinearity="tanh"):
    """One step of torch's RNN ("tanh"/"relu"), LSTM (gates i, f, g, o; state (h, c)) or GRU
    (gates r, z, n; n = tanh(W_in x + b_in + r * (W_hn h + b_hn)))."""
    h = state[0] if kind == "LSTM" else state
    gi = x @ w_ih.T + (0 if b_ih is None else b_ih)
    gh = h @ w_hh.T + (0 if b_hh is None else b_hh)
    if kind == "LSTM":
        i, f, g, o = mx.split(gi + gh, 4, axis=-1)
        c = mx.sigmoid(f) * state[1] + mx.sigmoid(i) * mx.tanh(g)
        return mx.sigmoid(o) * mx.tanh(c), c
    if kind == "GRU":
        ir, iz, in_ = mx.split(gi, 3, axis=-1)
        hr, hz, hn = mx.split(gh, 3, axis=-1)
        r, z = mx.sigmoid(ir + hr), mx.sigmoid(iz + hz)
        n = mx.tanh(in_ + r * hn)
        return (1 - z) * n + z * h
    return mx.tanh(gi + gh) if nonlinearity == "tanh" else nn.relu(gi + gh)


_GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}


class _Recurrent(nn.Module):
    """torch.nn.RNN/LSTM/GRU with torch's parameters (weight_ih_l0, weight_hh_l0, bias_ih_l0,
    bias_hh_l0, `_reverse` for the backward direction; gate blocks in torch's order), so torch
    weights load by name, and torch's call: input (L, N, H_in), (N, L, H_in) with batch_first,
    or unbatched (L, H_in); an optional initial state; returns (output, h_n), the LSTM
    (output, (h_n, c_n)). Dropout between layers in training only. (MLX's nn.LSTM/GRU/RNN are
    one batch-first layer with other weight names.)"""

    KIND = "RNN"

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0, bidirectional=False, nonlinearity="tanh"):
        super().__init__()
        self.hidden_size, self.num_layers, self.batch_first = hidden_size, num_layers, batch_first
        self.dropout, self.directions, self.nonlinearity, self.has_bias = dropout, 2 if bidirectional else 1, nonlinearity, bias
        k, gates = 1.0 / math.sqrt(hidden_size), _GATES[self.KIND] * hidden_size
        for layer in range(num_layers):
            size = input_size if layer == 0 else hidden_size * self.directions
            for direction in range(self.directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                setattr(self, "weight_ih" + suffix, mx.random.uniform(-k, k, (gates, size)))
                setattr(self, "weight_hh" + suffix, mx.random.uniform(-k, k, (gates, hidden_size)))
                if bias:
                    setattr(self, "bias_ih" + suffix, mx.random.uniform(-k, k, (gates,)))
                    setattr(self, "bias_hh" + suffix, mx.random.uniform(-k, k, (gates,)))

    def __call__(self, input, hx=None):
        lstm = self.KIND == "LSTM"
        unbatched = input.ndim == 2
        x = input[:, None] if unbatched else (input.swapaxes(0, 1) if self.batch_first else input)
        steps, batch = x.shape[:2]
        shape = (self.num_layers * self.directions, batch, self.hidden_size)
        if hx is None:
            h0 = c0 = mx.zeros(shape, dtype=x.dtype)
        else:
            h0, c0 = hx if lstm else (hx, None)
            if unbatched:
                h0, c0 = h0[:, None], (None if c0 is None else c0[:, None])
        last_h, last_c = [], []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(self.directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                index = layer * self.directions + direction
                state = (h0[index], c0[index]) if lstm else h0[index]
                weights = [getattr(self, name + suffix) if self.has_bias or name.startswith("weight") else None for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
                out = [None] * steps
                for t in (range(steps - 1, -1, -1) if direction else range(steps)):
                    state = _rnn_step(self.KIND, x[t], state, *weights, self.nonlinearity)
                    out[t] = state[0] if lstm else state
                outputs.append(mx.stack(out))
                last_h.append(state[0] if lstm else state)
                if lstm:
                    last_c.append(state[1])
            x = mx.concatenate(outputs, axis=-1) if len(outputs) > 1 else outputs[0]
            if self.training and self.dropout and layer < self.num_layers - 1:
                x = dropout(x, self.dropout)
        h_n = mx.stack(last_h)
        c_n = mx.stack(last_c) if lstm else None
        output = x[:, 0] if unbatched else (x.swapaxes(0, 1) if self.batch_first else x)
        if unbatched:
            h_n, c_n = h_n[:, 0], (None if c_n is None else c_n[:, 0])
        return (output, (h_n, c_n)) if lstm else (output, h_n)


class RNN(_Recurrent):
    KIND = "RNN"


class LSTM(_Recurrent):
    KIND = "LSTM"


class GRU(_Recurrent):
    KIND = "GRU"


class _Cell(nn.Module):
    """torch.nn.RNNCell/LSTMCell/GRUCell: one step, with torch's parameters (weight_ih,
    weight_hh, bias_ih, bias_hh); input (N, H_in) or (H_in,); returns h', the LSTMCell (h', c')."""

    KIND = "RNN"

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh"):
        super().__init__()
        self.hidden_size, self.nonlinearity, self.has_bias = hidden_size, nonlinearity, bias
        k, gates = 1.0 / math.sqrt(hidden_size), _GATES[self.KIND] * hidden_size
        self.weight_ih = mx.random.uniform(-k, k, (gates, input_size))
        self.weight_hh = mx.random.uniform(-k, k, (gates, hidden_size))
        if bias:
            self.bias_ih = mx.random.uniform(-k, k, (gates,))
            self.bias_hh = mx.random.uniform(-k, k, (gates,))

    def __call__(self, input, hx=None):
        lstm = self.KIND == "LSTM"
        if hx is None:
            zeros = mx.zeros(input.shape[:-1] + (self.hidden_size,), dtype=input.dtype)
            hx = (zeros, zeros) if lstm else zeros
        biases = (self.bias_ih, self.bias_hh) if self.has_bias else (None, None)
        return _rnn_step(self.KIND, input, hx, self.weight_ih, self.weight_hh, *biases, self.nonlinearity)


class RNNCell(_Cell):
    KIND = "RNN"


class LSTMCell(_Cell):
    KIND = "LSTM"


class GRUCell(_Cell):
    KIND = "GRU"
