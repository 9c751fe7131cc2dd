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
