"""Helpers written by portui beside a port, for torch semantics that MLX has no construct for.

Each helper is small, documented and tested against torch in portui's test suite. The port
depends on `mlx` only; nothing here imports portui or torch.
"""

import bisect
import contextlib
import enum
import functools
import inspect
import itertools

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


class Sequential(nn.Module):
    """torch.nn.Sequential: its children called in order, under torch's parameter names (`0`,
    `1`, ... or an OrderedDict's names), so a torch checkpoint's `net.0.weight` loads as it is
    however deep the container sits. mlx.nn.Sequential keeps them under `layers`
    (`net.layers.0.weight`)."""

    def __init__(self, *modules):
        super().__init__()
        # An OrderedDict of children; not a lone module (MLX modules are dicts too).
        if len(modules) == 1 and isinstance(modules[0], dict) and not isinstance(modules[0], nn.Module):
            items = list(modules[0].items())
        else:
            items = [(str(i), m) for i, m in enumerate(modules)]
        for name, module in items:
            self[name] = module
        object.__setattr__(self, "_order", [name for name, _ in items])

    def __setattr__(self, key, value):
        # A child added later (`self.conv = ...` in a subclass's __init__, `add_module`) runs
        # after the others, as in torch, which calls every registered child in order.
        super().__setattr__(key, value)
        order = self.__dict__.get("_order")
        if order is not None and isinstance(value, nn.Module) and key in self and key not in order:
            order.append(key)

    def __call__(self, x):
        for name in self._order:
            x = self[name](x)
        return x

    def __getitem__(self, key):
        if isinstance(key, slice):
            return Sequential(*[dict.__getitem__(self, name) for name in self._order[key]])
        if isinstance(key, int):
            return dict.__getitem__(self, self._order[key])
        return dict.__getitem__(self, key)

    def __len__(self):
        return len(self._order)

    def __iter__(self):
        return (dict.__getitem__(self, name) for name in self._order)

    def append(self, module):
        name = str(len(self._order))
        self[name] = module
        self._order.append(name)
        return self


def dtype_kwargs(kwargs):
    """torch's factory keywords (`**dd` holding `device=` and `dtype=`) as MLX takes them: the
    dtype alone, when there is one (MLX has unified memory: no device)."""
    dtype = kwargs.get("dtype")
    return {} if dtype is None else {"dtype": dtype}


def without_device(kwargs, dtype=True):
    """torch keywords passed on to an MLX layer (`nn.Conv2d(c, c, k, **kwargs)`): device=
    removed (one memory), and dtype= too where the MLX call takes none."""
    return {key: value for key, value in kwargs.items() if key != "device" and (dtype or key != "dtype")}


def masked_scatter(x, mask, source):
    """torch.masked_scatter: where `mask` (broadcast to x's shape) holds, x's elements are
    replaced by source's first elements in row-major order (vision-language models merging
    image features into token embeddings)."""
    flat_mask = mx.broadcast_to(mask, x.shape).reshape(-1)
    if source.size == 0:
        return x
    # The k-th selected position takes source's k-th element.
    index = mx.clip(mx.cumsum(flat_mask.astype(mx.int32)) - 1, 0, source.size - 1)
    taken = source.reshape(-1)[index].astype(x.dtype)
    return mx.where(flat_mask, taken, x.reshape(-1)).reshape(x.shape)


def torch_assert(condition, message):
    """torch._assert: Python's assert, which torch's tracers can see through."""
    assert condition, message


def torch_check(cond, message=None):
    """torch._check: RuntimeError unless cond holds; message is a callable giving the text."""
    if not cond:
        raise RuntimeError(message() if message is not None else "Expected cond to be True, but got False.")


# --- torch._foreach_* with a second operand (API table: foreach.api) ---------------------------


def foreach_assign_(tensors, values):
    """The in-place torch._foreach_*_ functions: each array of the list takes its new values in
    place (`w[...] = new`, in its own dtype), so every reference to it sees them; the list is
    returned, as torch returns it."""
    for tensor, value in zip(tensors, values):
        tensor[...] = mx.array(value).astype(tensor.dtype)
    return tensors


def _foreach_operand(other, tensors):
    """The second operand of a _foreach op, one per tensor: a list or tuple (of scalars or
    arrays) as it is, anything else (a scalar) for every tensor."""
    return other if isinstance(other, (list, tuple)) else [other] * len(tensors)


def foreach_add(tensors, other, alpha=1):
    return [t + alpha * o for t, o in zip(tensors, _foreach_operand(other, tensors))]


def foreach_sub(tensors, other, alpha=1):
    return [t - alpha * o for t, o in zip(tensors, _foreach_operand(other, tensors))]


def foreach_mul(tensors, other):
    return [t * o for t, o in zip(tensors, _foreach_operand(other, tensors))]


def foreach_div(tensors, other):
    return [t / o for t, o in zip(tensors, _foreach_operand(other, tensors))]


def foreach_pow(tensors, exponent):
    return [t ** o for t, o in zip(tensors, _foreach_operand(exponent, tensors))]


def foreach_maximum(tensors, other):
    return [mx.maximum(t, o).astype(t.dtype) for t, o in zip(tensors, _foreach_operand(other, tensors))]


def foreach_minimum(tensors, other):
    return [mx.minimum(t, o).astype(t.dtype) for t, o in zip(tensors, _foreach_operand(other, tensors))]


foreach_clamp_min = foreach_maximum
foreach_clamp_max = foreach_minimum


def foreach_lerp(tensors, ends, weight):
    return [t + w * (e - t) for t, e, w in zip(tensors, ends, _foreach_operand(weight, tensors))]


def foreach_addcmul(tensors, tensors1, tensors2, value=1):
    values = _foreach_operand(value, tensors)
    return [t + v * a * b for t, a, b, v in zip(tensors, tensors1, tensors2, values)]


def foreach_addcdiv(tensors, tensors1, tensors2, value=1):
    values = _foreach_operand(value, tensors)
    return [t + v * a / b for t, a, b, v in zip(tensors, tensors1, tensors2, values)]


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
    """torch.utils.data.Dataset: a base class for `__getitem__` + `__len__`; `a + b` joins two
    datasets, as torch's does."""

    def __add__(self, other):
        return ConcatDataset([self, other])


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


# --- torch.no_grad / set_grad_enabled / autocast as values (no-grad rule) ---


class grad_mode(contextlib.ContextDecorator):
    """torch.no_grad, enable_grad, inference_mode, set_grad_enabled and autocast called outside a
    `with` or a decorator (`ctx = torch.no_grad()`, `torch.set_grad_enabled(False)`,
    `torch.no_grad(f)`): MLX computes gradients only inside mx.grad / nn.value_and_grad, and in
    the dtypes its arrays have, so there is no mode to switch. A context and decorator that
    changes nothing; given a function (torch.no_grad(f)), the function itself."""

    def __new__(cls, *args, **kwargs):
        if len(args) == 1 and not kwargs and callable(args[0]) and not isinstance(args[0], (bool, str)):
            return args[0]
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


# --- torch.utils.data's datasets and samplers (API table) ---
# Pure Python over any indexable dataset, as torch's are; the random samplers draw from MLX's
# generator (mx.random.seed makes them repeatable; the order differs from torch's).


class IterableDataset(Dataset):
    """torch.utils.data.IterableDataset: a base class for `__iter__`; `a + b` chains two."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __add__(self, other):
        return ChainDataset([self, other])


class ConcatDataset(Dataset):
    """torch.utils.data.ConcatDataset: the datasets one after another (negative indices count
    from the end of the whole)."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise AssertionError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][idx - start]


class ChainDataset(IterableDataset):
    """torch.utils.data.ChainDataset: iterates each dataset in turn."""

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            yield from d

    def __len__(self):
        return sum(len(d) for d in self.datasets)


class Subset(Dataset):
    """torch.utils.data.Subset: the samples at `indices` (a list index takes several)."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __len__(self):
        return len(self.indices)


def random_split(dataset, lengths):
    """torch.utils.data.random_split: Subsets of a random permutation (lengths, or fractions
    summing to 1 whose remainder goes round-robin, as torch's)."""
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
        counts = [math.floor(len(dataset) * frac) for frac in lengths]
        for i in range(len(dataset) - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if sum(lengths) != len(dataset):
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    order = mx.random.permutation(sum(lengths)).tolist()
    ends = list(itertools.accumulate(lengths))
    return [Subset(dataset, order[end - n : end]) for end, n in zip(ends, lengths)]


def get_worker_info():
    """torch.utils.data.get_worker_info: None in the main process, where portui_shims'
    DataLoader loads every batch."""
    return None


class Sampler:
    """torch.utils.data.Sampler: a base class for `__iter__` over indices (and `__len__`). It
    takes the data_source torch before 2.2 took (and ignored), which subclasses may still pass."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    """torch.utils.data.SequentialSampler: 0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """torch.utils.data.RandomSampler: a random permutation per pass (repeated, then cut, for
    num_samples beyond the length), or num_samples uniform draws with replacement."""

    def __init__(self, data_source, replacement=False, num_samples=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement}")
        if num_samples is not None and (not isinstance(num_samples, int) or num_samples <= 0):
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n = len(self.data_source)
        if self.replacement:
            yield from mx.random.randint(0, n, (self.num_samples,)).tolist()
            return
        for _ in range(self.num_samples // n):
            yield from mx.random.permutation(n).tolist()
        yield from mx.random.permutation(n).tolist()[: self.num_samples % n]

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """torch.utils.data.SubsetRandomSampler: the given indices in a random order per pass."""

    def __init__(self, indices):
        self.indices = indices

    def __iter__(self):
        for i in mx.random.permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """torch.utils.data.WeightedRandomSampler: num_samples indices drawn with probabilities
    proportional to `weights` (torch.multinomial's): with replacement by mx.random.categorical,
    without it by the Gumbel top-k, which draws the same distribution of ordered samples."""

    def __init__(self, weights, num_samples, replacement=True):
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        self.weights = mx.array(weights, dtype=mx.float32)
        if self.weights.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(self.weights.shape)}")
        self.num_samples = num_samples
        self.replacement = replacement

    def __iter__(self):
        logits = mx.log(self.weights)
        if self.replacement:
            yield from mx.random.categorical(logits, num_samples=self.num_samples).tolist()
            return
        if self.num_samples > int((self.weights > 0).sum().item()):
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
        keys = logits + mx.random.gumbel(logits.shape)
        yield from mx.argsort(-keys)[: self.num_samples].tolist()

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """torch.utils.data.BatchSampler: lists of batch_size indices from `sampler` (any iterable),
    the last shorter one kept unless drop_last."""

    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        indices = iter(self.sampler)
        batch = list(itertools.islice(indices, self.batch_size))
        while batch and (len(batch) == self.batch_size or not self.drop_last):
            yield batch
            batch = list(itertools.islice(indices, self.batch_size))

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size


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


# --- nn.Parameter(t, requires_grad=g) (nn-parameter rule) ---


def set_parameter(module, name, value, requires_grad=True):
    """`module.name = nn.Parameter(value, requires_grad=...)`: MLX trains every array attribute
    that is not frozen, so one torch does not train is frozen."""
    setattr(module, name, value)
    if not requires_grad:
        module.freeze(keys=[name], recurse=False)


# --- register_buffer with a name or persistence known at run time (register-buffer rule) ---


def register_buffer(module, name, value, persistent=True):
    """`module.register_buffer(name, value, persistent)` (or `setattr(module, name,
    nn.Buffer(value, persistent=...))`) where the name or `persistent` is computed: MLX trains
    every array attribute that is not frozen, so a persistent buffer is set and frozen (saved,
    not trained), and a non-persistent one (or None) is kept out of the parameter tree."""
    if persistent and value is not None:
        setattr(module, name, value)
        module.freeze(keys=[name], recurse=False)
    else:
        object.__setattr__(module, name, value)


# --- channels-first layers (API table, in modules whose feature maps keep torch's layout) ---

_CHANNELS_FIRST = {}


def channels_first_layer(layer_class):
    """layer_class taking and returning torch's channels-first arrays (N, C, *spatial): MLX's
    convolutions, pools and norms work on channels-last arrays, so the layer runs between two
    axis moves (for a block taking the map first beside other arrays and returning a tuple led
    by it, only the map moves). Same class name and parameters as the MLX layer, so weights
    load by torch's names (convolution weights in MLX's layout, as for nn.Conv2d itself). A `partial` of a
    class (timm's `SEWithNorm = partial(SEModule, norm_layer=...)`) stays one, of the wrapped
    class."""
    if isinstance(layer_class, functools.partial):
        return functools.partial(channels_first_layer(layer_class.func), *layer_class.args, **layer_class.keywords)
    wrapped = _CHANNELS_FIRST.get(layer_class)
    if wrapped is None:

        def __call__(self, x, *args, **kwargs):
            y = layer_class.__call__(self, mx.moveaxis(x, 1, -1), *args, **kwargs)
            if isinstance(y, tuple):  # the map first, then what passed beside it (PiT's pooling)
                return (mx.moveaxis(y[0], -1, 1), *y[1:])
            return mx.moveaxis(y, -1, 1)

        attributes = {"__init__": _taking_factory_keywords(layer_class), "__call__": __call__, "__doc__": channels_first_layer.__doc__}
        wrapped = type(layer_class.__name__, (layer_class,), attributes)
        _CHANNELS_FIRST[layer_class] = wrapped
    return wrapped


def _taking_factory_keywords(layer_class):
    """An __init__ for a subclass of layer_class that also takes torch's factory keywords:
    device= means nothing with one memory; dtype= casts the new layer's floating parameters,
    as torch builds them in that dtype. A layer built without a bias reads `self.bias` as
    None, as torch's does (timm's `Linear.forward` passes it to F.linear): MLX's layer keeps
    no `bias` then, and reading it raises. (None is a plain attribute, not a parameter.)"""
    takes_bias = "bias" in inspect.signature(layer_class).parameters

    def __init__(self, *args, device=None, dtype=None, **kwargs):
        layer_class.__init__(self, *args, **kwargs)
        if dtype is not None:
            self.set_dtype(dtype)
        if takes_bias and "bias" not in self:
            self.bias = None

    return __init__


_FACTORY_KEYWORDS = {}


def with_factory_keywords(layer_class):
    """layer_class, also taking torch's factory keywords, for a torch layer class passed as a
    value and built elsewhere (`norm_layer(dim, **dd)` with timm's `dd = {'device': device,
    'dtype': dtype}`). A subclass of the same name, made once per class, so its instances are
    instances of layer_class and the same class compares equal wherever it is named."""
    wrapped = _FACTORY_KEYWORDS.get(layer_class)
    if wrapped is None:
        attributes = {"__init__": _taking_factory_keywords(layer_class), "__doc__": layer_class.__doc__}
        wrapped = type(layer_class.__name__, (layer_class,), attributes)
        _FACTORY_KEYWORDS[layer_class] = wrapped
    return wrapped


# --- layer sizes MLX's layers do not keep (layer-attributes rule) ---

_LAYER_SIZES = {
    # MLX's convolution weight is (O, *kernel, I/groups); Conv3d and the transposed ones take
    # no groups.
    "out_channels": lambda m: m.weight.shape[0],
    "in_channels": lambda m: m.weight.shape[-1] * getattr(m, "groups", 1),
    "kernel_size": lambda m: tuple(m.weight.shape[1:-1]),
    "in_features": lambda m: m.weight.shape[1],
    "out_features": lambda m: m.weight.shape[0],
    "num_embeddings": lambda m: m.weight.shape[0],
    "embedding_dim": lambda m: m.weight.shape[1],
}


def layer_attribute(module, name):
    """module.name, for a size torch's layers keep as an attribute (`out_channels`,
    `kernel_size`, `in_features`...): read as it is where the object has it, else off the
    weight of the MLX layer, which keeps none of them."""
    try:
        return getattr(module, name)
    except AttributeError:
        if not isinstance(module, nn.Module) or "weight" not in module or name not in _LAYER_SIZES:
            raise
        return _LAYER_SIZES[name](module)


# --- .to(x) with x a device, a dtype or an array (device rule) ---


def to(x, target):
    """x.to(target), where target may be a device, a dtype or an array (whose dtype torch
    takes): MLX has one memory for every device, so only a dtype changes anything. A module
    is cast in place and returned, as torch's Module.to does."""
    if isinstance(target, mx.array):
        target = target.dtype
    if not isinstance(target, mx.Dtype):
        return x
    if isinstance(x, nn.Module):
        x.set_dtype(target)
        return x
    return x.astype(target)


# --- F.pad (functional rule) ---

_PAD_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge"}


def pad(x, pad, mode="constant", value=None, channels_last=False):
    """F.pad for a padding computed at run time or a mode other than constant. torch's `pad`
    holds (before, after) pairs from the last axis backwards, in torch's channels-first layout;
    with `channels_last`, x is the NHWC (NLC...) port of such a feature map and the pairs move
    with its axes. Negative amounts crop, as in torch; 'circular' wraps around."""
    pad = [int(p) for p in pad]
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"F.pad: {len(pad)} amounts for an array of {x.ndim} axes")
    if mode not in _PAD_MODES and mode != "circular":
        raise ValueError(f"F.pad: unknown mode {mode!r}")
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        axis = x.ndim - 1 - i
        if channels_last:
            axis = {0: 0, 1: x.ndim - 1}.get(axis, axis - 1)
        widths[axis] = (pad[2 * i], pad[2 * i + 1])
    crop = tuple(slice(max(-b, 0), x.shape[a] - max(-e, 0)) for a, (b, e) in enumerate(widths))
    x = x[crop]
    widths = [(max(b, 0), max(e, 0)) for b, e in widths]
    if mode == "circular":
        for axis, (before, after) in enumerate(widths):
            n = x.shape[axis]
            head = mx.take(x, mx.arange(n - before, n), axis=axis)
            tail = mx.take(x, mx.arange(0, after), axis=axis)
            x = mx.concatenate([head, x, tail], axis=axis)
        return x
    if mode == "constant":
        return mx.pad(x, widths, constant_values=0 if value is None else value)
    return mx.pad(x, widths, mode=_PAD_MODES[mode])


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

        _mend_einops_mlx_backend()
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

        _mend_einops_mlx_backend()
        return reduce(x, self._pattern, self._reduction, **self._axes_lengths)


def _mend_einops_mlx_backend():
    """einops 0.8.2's MLX backend defines `add_axes(x, new_position)` where its base class
    expects `add_axes(x, n_axes, pos2len)` built on `add_axis`, so every pattern that adds an
    axis (a repeat, `Reduce(..., 'repeat')`) raises a TypeError on MLX arrays; the base
    class's method is put back."""
    from einops import _backends

    backend = _backends.MLXBackend
    if "add_axis" not in vars(backend):
        backend.add_axis = lambda self, x, new_position: self.mx.expand_dims(x, new_position)
        backend.add_axes = _backends.AbstractBackend.add_axes


def repeat(tensor, pattern, **axes_lengths):
    """einops.repeat, on MLX arrays as on torch tensors (see _mend_einops_mlx_backend)."""
    from einops import repeat as einops_repeat

    _mend_einops_mlx_backend()
    return einops_repeat(tensor, pattern, **axes_lengths)


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


def _bins(flat, bins, range, dtype):
    """One axis of torch's histograms: the bin edges, the bin count, each value's bin and
    whether it is counted. `bins` equal bins over `range` (the data's minimum and maximum by
    default, widened by 0.5 each way when they are equal), or the given increasing edges.
    Bins are closed on the left, the last one on both sides; values outside are not counted."""
    if isinstance(bins, int):
        low, high = range if range is not None else (flat.min().item(), flat.max().item())
        if low == high:
            low, high = low - 0.5, high + 0.5
        edges = mx.linspace(low, high, bins + 1).astype(dtype)
        count = bins
        index = mx.floor((flat - low) * (bins / (high - low))).astype(mx.int32)
    else:
        edges = mx.array(bins).astype(dtype)
        count = edges.shape[0] - 1
        index = mx.searchsorted(edges, flat, side="right").astype(mx.int32) - 1
    index = mx.where(flat == edges[-1], count - 1, index)
    inside = (flat >= edges[0]) & (flat <= edges[-1]) & (index >= 0) & (index < count)
    return edges, count, index, inside


def histogram(x, bins, range=None, weight=None, density=False):
    """torch.histogram: (hist, bin_edges) of the flattened input (bins as `_bins` makes them)."""
    flat = x.reshape(-1)
    edges, count, index, inside = _bins(flat, bins, range, x.dtype)
    if weight is None:
        amounts = inside.astype(x.dtype)
    else:
        amounts = mx.where(inside, weight.reshape(-1).astype(x.dtype), 0)
    hist = mx.zeros((count,), dtype=x.dtype).at[mx.where(inside, index, 0)].add(amounts)
    if density:
        hist = hist / (hist.sum() * mx.diff(edges))
    return _HistogramEdges(hist, edges)


def _torch_linspace(start, end, steps, dtype):
    """torch.linspace's points: from start in the first half, back from end in the second
    (mx.linspace can differ in the last bit, which moves a value on an edge to another bin)."""
    start, end = mx.array(start, dtype=dtype), mx.array(end, dtype=dtype)
    step = (end - start) / (steps - 1)
    i = mx.arange(steps).astype(dtype)
    return mx.where(mx.arange(steps) < steps // 2, start + step * i, end - step * (steps - 1 - i))


def histogramdd(x, bins, range=None, weight=None, density=False):
    """torch.histogramdd: (hist, bin_edges) of the points x.reshape(-1, D). `bins` is a count
    (for every axis), a count per axis or each axis's increasing edges; equal bins span
    `range` (min0, max0, min1, ...) or the data's minimum and maximum per axis. Bins are
    closed on the left, the last one on both sides; points outside are not counted."""
    d = x.shape[-1]
    points = x.reshape(-1, d)
    if isinstance(bins, int) or (isinstance(bins, (list, tuple)) and all(isinstance(b, int) for b in bins)):
        counts = [bins] * d if isinstance(bins, int) else list(bins)
        if range is None:
            lows, highs = points.min(axis=0).tolist(), points.max(axis=0).tolist()
        else:
            lows, highs = list(range[0::2]), list(range[1::2])
        edges = []
        for low, high, count in zip(lows, highs, counts):
            if low == high:  # torch widens an empty range, as numpy
                low, high = low - 0.5, high + 0.5
            edges.append(_torch_linspace(low, high, count + 1, x.dtype))
    else:
        edges = [mx.array(b).astype(x.dtype) for b in bins]
    flat = mx.zeros((points.shape[0],), dtype=mx.int32)
    inside = mx.ones((points.shape[0],), dtype=mx.bool_)
    for axis, e in enumerate(edges):
        value = points[:, axis]
        count = e.shape[0] - 1
        index = (e[None, :] <= value[:, None]).sum(axis=-1).astype(mx.int32) - 1
        index = mx.where(value == e[-1], count - 1, index)
        inside = inside & (value >= e[0]) & (value <= e[-1])
        flat = flat * count + mx.clip(index, 0, count - 1)
    amounts = inside.astype(x.dtype) if weight is None else mx.where(inside, weight.reshape(-1).astype(x.dtype), 0)
    shape = tuple(e.shape[0] - 1 for e in edges)
    hist = mx.zeros((math.prod(shape),), dtype=x.dtype).at[flat].add(amounts).reshape(shape)
    if density:
        hist = hist / hist.sum()
        for axis, e in enumerate(edges):
            hist = hist / mx.diff(e).reshape((-1,) + (1,) * (d - 1 - axis))
    return _HistogramEdges(hist, tuple(edges))

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


def layer_norm_over(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """torch.layer_norm / F.layer_norm over the last len(normalized_shape) axes (biased
    variance, as torch); mx.fast.layer_norm normalises the last axis only."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    axes = tuple(range(-len(normalized_shape), 0))
    mean = input.mean(axis=axes, keepdims=True)
    var = input.var(axis=axes, keepdims=True)
    y = (input - mean) * mx.rsqrt(var + eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def rms_norm_over(input, normalized_shape, weight=None, eps=None):
    """F.rms_norm over the last len(normalized_shape) axes; eps None is the machine epsilon of
    input's dtype, as torch's; mx.fast.rms_norm normalises the last axis only."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    axes = tuple(range(-len(normalized_shape), 0))
    if eps is None:
        eps = mx.finfo(input.dtype).eps
    y = input * mx.rsqrt(mx.mean(mx.square(input), axis=axes, keepdims=True) + eps)
    return y * weight if weight is not None else y


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


_MANTISSA_DIGITS = {mx.float16: 11, mx.bfloat16: 8, mx.float32: 24, mx.float64: 53}


def random_integers(x, low=0, high=None):
    """Tensor.random_: integers uniform in [low, high), of x's shape and dtype. Without high,
    torch's bound: up to 2**digits of the mantissa (inclusive) for floats, so that each is
    representable, the dtype's maximum for integers, 1 for bool. Drawn as torch draws them,
    random bits (64 for a range wider than 2**32) modulo the range's width; the bits come
    16 at a time from mx.random.randint, which goes through float32 and misses integers of
    wider ranges. MLX's generator gives other numbers."""
    if high is None:
        if x.dtype == mx.bool_:
            high = 2
        elif x.dtype in _MANTISSA_DIGITS:
            high = 2 ** _MANTISSA_DIGITS[x.dtype] + 1
        else:
            high = mx.iinfo(x.dtype).max + 1
    width = high - low
    bits = mx.zeros(x.shape, dtype=mx.uint64)
    for _ in range(4 if width > 2 ** 32 else 2):
        bits = (bits << 16) | mx.random.randint(0, 2 ** 16, x.shape).astype(mx.uint64)
    if width < 2 ** 64:  # (built from halves: an integer above int64's maximum does not convert)
        bits = bits % ((mx.array(width >> 32, dtype=mx.uint64) << 32) | (width & 0xFFFFFFFF))
    return (bits.astype(mx.int64) + low).astype(x.dtype)


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
    """torch.lu: (LU, pivots) with torch's 1-based int32 pivots (and LAPACK's infos when asked,
    as linalg.lu_factor_ex's); mx.linalg.lu_factor counts pivots from 0."""
    LU, pivots = mx.linalg.lu_factor(A, stream=mx.cpu)
    pivots = (pivots + 1).astype(mx.int32)
    if get_infos:
        return LU, pivots, _lu_info(LU)
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

# --- special functions, linear algebra, fft, Tensor methods (API table) -----------------------


def _special_polynomial(t, coefficients):
    """Horner's rule: coefficients from the highest power down."""
    result = mx.zeros_like(t) + coefficients[0]
    for c in coefficients[1:]:
        result = result * t + c
    return result


def _special_float(x):
    """x as a floating array (torch's special functions promote integers to float32)."""
    x = mx.array(x) if not isinstance(x, mx.array) else x
    return x if mx.issubdtype(x.dtype, mx.floating) else x.astype(mx.float32)


def _erfcx_nonnegative(z):
    # exp(z^2) * erfc(z) for z >= 0: Numerical Recipes' erfcc (fractional error < 1.2e-7)
    # without its exp(-z^2) factor, so it neither underflows nor loses precision in the tail.
    t = 1 / (1 + 0.5 * z)
    poly = _special_polynomial(t, [0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807,
                           -0.18628806, 0.09678418, 0.37409196, 1.00002368, -1.26551223])
    return t * mx.exp(poly)


def erfc(x):
    """torch.erfc / torch.special.erfc: 1 - erf(x), accurate in the tail where 1 - mx.erf(x)
    cancels to 0 (relative error ~1e-7 everywhere)."""
    x = _special_float(x)
    z = mx.abs(x)
    tail = _erfcx_nonnegative(z) * mx.exp(-z * z)
    return mx.where(x >= 0, tail, 2 - tail)


def erfcx(x):
    """torch.special.erfcx: exp(x^2) * erfc(x), without overflow for large positive x."""
    x = _special_float(x)
    z = mx.abs(x)
    scaled = _erfcx_nonnegative(z)
    return mx.where(x >= 0, scaled, 2 * mx.exp(x * x) - scaled)


def ndtr(x):
    """torch.special.ndtr: the standard normal CDF, 0.5 * erfc(-x / sqrt(2)) (accurate tails)."""
    return 0.5 * erfc(-_special_float(x) * 0.7071067811865476)


def log_ndtr(x):
    """torch.special.log_ndtr: log of the standard normal CDF, finite far into the lower tail
    (log(erfcx(-x/sqrt 2) / 2) - x^2 / 2 there; log1p(-erfc(x/sqrt 2) / 2) above)."""
    x = _special_float(x)
    z = -x * 0.7071067811865476
    lower = mx.log(_erfcx_nonnegative(mx.maximum(z, 0)) / 2) - z * z
    upper = mx.log1p(-erfc(-z) / 2)
    return mx.where(x < -1, lower, upper)


def ndtri(p):
    """torch.special.ndtri: the inverse of the standard normal CDF (Acklam's rational
    approximation, relative error < 1.2e-9; log1p in the upper tail)."""
    p = _special_float(p)
    a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
         1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
    b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
         6.680131188771972e+01, -1.328068155288572e+01, 1.0]
    c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
         -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
    d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
         3.754408661907416e+00, 1.0]
    q = p - 0.5
    r = q * q
    central = _special_polynomial(r, a) * q / _special_polynomial(r, b)
    tail_p = mx.minimum(p, 1 - p)
    s = mx.sqrt(-2 * mx.where(p < 0.5, mx.log(mx.maximum(p, 1e-38)), mx.log1p(-mx.minimum(p, 1 - 1e-7))))
    tail = _special_polynomial(s, c) / _special_polynomial(s, d)
    tail = mx.where(p < 0.5, tail, -tail)
    x = mx.where(tail_p < 0.02425, tail, central)
    # One Halley step on ndtr(x) = p: float32 loses digits in the rational forms' sums.
    e = ndtr(x) - p
    u = e * 2.5066282746310002 * mx.exp(x * x / 2)
    result = x - u / (1 + x * u / 2)
    result = mx.where(p == 0, -mx.inf, mx.where(p == 1, mx.inf, result))
    return mx.where((p < 0) | (p > 1) | mx.isnan(p), mx.nan, result)


def _lgamma_positive(x):
    # Numerical Recipes' gammln (Lanczos, g = 5): error < 2e-10 for x > 0.
    y = x
    tmp = x + 5.5
    tmp = tmp - (x + 0.5) * mx.log(tmp)
    series = mx.zeros_like(x) + 1.000000000190015
    for c in (76.18009172947146, -86.50532032941677, 24.01409824083091,
              -1.231739572450155, 0.1208650973866179e-2, -0.5395239384953e-5):
        y = y + 1
        series = series + c / y
    return -tmp + mx.log(2.5066282746310005 * series / x)


def _sin_pi(x):
    # |sin(pi x)| with the argument reduced first, so integers give exact zeros.
    return mx.abs(mx.sin(mx.pi * (x - mx.round(x))))


def lgamma(x):
    """torch.lgamma / torch.special.gammaln: log|Gamma(x)| (Lanczos; reflection below 0.5;
    inf at 0 and the negative integers)."""
    x = _special_float(x)
    small = x < 0.5
    positive = _lgamma_positive(mx.where(small, 1 - x, x))
    reflected = mx.log(mx.pi / _sin_pi(x)) - positive
    result = mx.where(small, reflected, positive)
    return mx.where(((x <= 0) & (x == mx.floor(x))) | mx.isinf(x), mx.inf, result)


def _incomplete_gamma(a, x, upper):
    # Regularised incomplete gamma in float64 on the CPU (MLX's GPU has no float64): the
    # series below a + 1, Lentz's continued fraction above, each run until every element has
    # converged (a host loop, checked every 16 steps: not inside mx.compile); torch's edge
    # values: nan for a < 0, x < 0 or a = x = 0, P = 1 at a = 0 or x = inf, P = 0 at x = 0.
    a, x = _special_float(a), _special_float(x)
    dtype = (mx.zeros((), a.dtype) + mx.zeros((), x.dtype)).dtype
    a, x = mx.broadcast_arrays(a, x)
    with mx.stream(mx.cpu):
        a64, x64 = a.astype(mx.float64), x.astype(mx.float64)
        valid = (a64 > 0) & (x64 > 0) & ~mx.isinf(a64) & ~mx.isinf(x64)
        a_ = mx.where(valid, a64, 1.0)
        x_ = mx.where(valid, x64, 1.0)
        log_prefactor = a_ * mx.log(x_) - x_ - _lgamma_positive(a_)
        use_series = x_ < a_ + 1
        # series: P = prefactor * sum_n x^n / (a (a + 1) ... (a + n))
        term = 1 / a_
        total = term
        n = 0
        while True:
            for _ in range(16):
                n += 1
                term = term * x_ / (a_ + n)
                total = total + term
            mx.eval(term, total)
            if not mx.any(use_series & (mx.abs(term) > mx.abs(total) * 1e-16)).item() or n > 100000:
                break
        series_p = mx.exp(log_prefactor) * total
        # continued fraction: Q = prefactor * h
        tiny = 1e-300
        b = x_ + 1 - a_
        c = mx.full(a_.shape, 1 / tiny, dtype=mx.float64)
        d = 1 / b
        h = d
        i = 0
        while True:
            converged = None
            for _ in range(16):
                i += 1
                an = -i * (i - a_)
                b = b + 2
                d = an * d + b
                d = mx.where(mx.abs(d) < tiny, tiny, d)
                c = b + an / c
                c = mx.where(mx.abs(c) < tiny, tiny, c)
                d = 1 / d
                delta = d * c
                h = h * delta
                converged = mx.abs(delta - 1) <= 1e-15
            mx.eval(b, c, d, h)
            if mx.all(use_series | converged).item() or i > 100000:
                break
        fraction_q = mx.exp(log_prefactor) * h
        p = mx.where(use_series, series_p, 1 - fraction_q)
        q = mx.where(use_series, 1 - series_p, fraction_q)
        result = q if upper else p
        at_one = ((a64 == 0) & (x64 > 0)) | (mx.isinf(x64) & ~mx.isinf(a64) & (a64 >= 0))
        at_zero = ((x64 == 0) & (a64 > 0)) | (mx.isinf(a64) & ~mx.isinf(x64) & (x64 >= 0))
        one, zero = (0.0, 1.0) if upper else (1.0, 0.0)
        result = mx.where(at_one, one, mx.where(at_zero, zero, result))
        result = mx.where(valid | at_one | at_zero, result, mx.nan)
        return result.astype(dtype)


def gammainc(a, x):
    """torch.igamma / torch.special.gammainc: the regularised lower incomplete gamma
    P(a, x), in float64 on the CPU until converged (see _incomplete_gamma); no gradient."""
    return mx.stop_gradient(_incomplete_gamma(a, x, upper=False))


def gammaincc(a, x):
    """torch.igammac / torch.special.gammaincc: the regularised upper incomplete gamma
    Q(a, x) = 1 - P(a, x), computed directly where it is small (see _incomplete_gamma)."""
    return mx.stop_gradient(_incomplete_gamma(a, x, upper=True))


def digamma(x):
    """torch.digamma / torch.special.digamma / psi: the logarithmic derivative of Gamma
    (recurrence up to x >= 6, then the asymptotic series; reflection below 0; -inf at 0 and
    nan at the negative integers, as torch)."""
    x = _special_float(x)
    negative = x < 0
    y = mx.where(negative, 1 - x, x)
    shift = mx.zeros_like(y)
    for k in range(6):
        shift = shift + mx.where(y < 6, 1 / (y + k), 0)
    z = mx.where(y < 6, y + 6, y)
    inv2 = 1 / (z * z)
    series = mx.log(z) - 0.5 / z - inv2 * _special_polynomial(inv2, [1 / 132, -1 / 240, 1 / 252, -1 / 120, 1 / 12])
    result = series - shift
    tan = mx.tan(mx.pi * (x - mx.round(x)))
    result = mx.where(negative, result - mx.pi / tan, result)
    result = mx.where(negative & (x == mx.floor(x)), mx.nan, result)
    return mx.where(x == 0, -1 / x, result)  # -inf at +0, inf at -0, as torch


def zeta(x, q):
    """torch.special.zeta: the Hurwitz zeta function sum_k (k + q)^-x (Euler-Maclaurin, as
    Cephes: ten terms, then the integral and twelve Bernoulli corrections)."""
    x, q = _special_float(x), _special_float(q)
    total = 0
    for k in range(10):
        total = total + mx.power(q + k, -x)
    w = q + 9
    b = mx.power(w, -x)
    total = total + b * w / (x - 1) - 0.5 * b
    bernoulli = [12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9,
                 7.47242496e10, -2.950130727918164224e12, 1.1646782814350067249e14,
                 -4.5979787224074726105e15, 1.8152105401943546773e17, -7.1661652561756670113e18]
    k = 0.0
    for divisor in bernoulli:  # b becomes x (x+1) ... w^(-x-2j+1), without overflow
        b = b * (x + k) / w
        total = total + b / divisor
        b = b * (x + k + 1) / w
        k += 2
    total = mx.where(x == 1, mx.inf, total)
    total = mx.where((q <= 0) & (q == mx.floor(q)), mx.inf, total)
    return mx.where(x < 1, mx.nan, total)


def polygamma(n, x):
    """torch.polygamma / torch.special.polygamma: the n-th derivative of digamma
    ((-1)^(n+1) n! zeta(n + 1, x) for n >= 1)."""
    if n == 0:
        return digamma(x)
    factorial = 1
    for k in range(2, n + 1):
        factorial *= k
    return (-1) ** (n + 1) * factorial * zeta(float(n + 1), _special_float(x))


def multigammaln(a, p):
    """torch.special.multigammaln: the log of the multivariate gamma function of dimension p."""
    a = _special_float(a)
    total = p * (p - 1) / 4 * 1.1447298858494002  # log(pi)
    for i in range(p):
        total = total + lgamma(a - i / 2)
    return total


def bessel_i0(x):
    """torch.i0 / torch.special.i0: the modified Bessel function of the first kind, order 0
    (Abramowitz & Stegun 9.8.1-2, relative error < 2e-7)."""
    return i0e(x) * mx.exp(mx.abs(_special_float(x)))


def i0e(x):
    """torch.special.i0e: exp(-|x|) * I0(x), without overflow."""
    ax = mx.abs(_special_float(x))
    t = ax / 3.75
    small = _special_polynomial(t * t, [0.0045813, 0.0360768, 0.2659732, 1.2067492, 3.0899424, 3.5156229, 1.0]) * mx.exp(-ax)
    u = 3.75 / mx.maximum(ax, 3.75)
    large = _special_polynomial(u, [0.00392377, -0.01647633, 0.02635537, -0.02057706, 0.00916281,
                            -0.00157565, 0.00225319, 0.01328592, 0.39894228]) / mx.sqrt(mx.maximum(ax, 3.75))
    return mx.where(ax < 3.75, small, large)


def bessel_i1(x):
    """torch.special.i1: the modified Bessel function of the first kind, order 1
    (Abramowitz & Stegun 9.8.3-4, relative error < 3e-7)."""
    return i1e(x) * mx.exp(mx.abs(_special_float(x)))


def i1e(x):
    """torch.special.i1e: exp(-|x|) * I1(x), without overflow."""
    x = _special_float(x)
    ax = mx.abs(x)
    t = ax / 3.75
    small = ax * _special_polynomial(t * t, [0.00032411, 0.00301532, 0.02658733, 0.15084934, 0.51498869, 0.87890594, 0.5]) * mx.exp(-ax)
    u = 3.75 / mx.maximum(ax, 3.75)
    large = _special_polynomial(u, [-0.00420059, 0.01787654, -0.02895312, 0.02282967, -0.01031555,
                            0.00163801, -0.00362018, -0.03988024, 0.39894228]) / mx.sqrt(mx.maximum(ax, 3.75))
    return mx.where(x < 0, -1, 1) * mx.where(ax < 3.75, small, large)


def scaled_modified_bessel_k0(x):
    """torch.special.scaled_modified_bessel_k0: exp(x) * K0(x) (Abramowitz & Stegun 9.8.5-6;
    inf at 0, nan below)."""
    x = _special_float(x)
    s = mx.maximum(x, 1e-30)
    h = s / 2
    small = (-mx.log(h) * bessel_i0(mx.minimum(s, 2)) + _special_polynomial(h * h, [0.0000074, 0.0001075, 0.00262698, 0.0348859, 0.23069756, 0.4227842, -0.57721566])) * mx.exp(s)
    u = 2 / mx.maximum(s, 2)
    large = _special_polynomial(u, [0.00053208, -0.0025154, 0.00587872, -0.01062446, 0.02189568, -0.07832358, 1.25331414]) / mx.sqrt(mx.maximum(s, 2))
    result = mx.where(x <= 2, small, large)
    return mx.where(x == 0, mx.inf, mx.where(x < 0, mx.nan, result))


def scaled_modified_bessel_k1(x):
    """torch.special.scaled_modified_bessel_k1: exp(x) * K1(x) (Abramowitz & Stegun 9.8.7-8;
    inf at 0, nan below)."""
    x = _special_float(x)
    s = mx.maximum(x, 1e-30)
    h = s / 2
    small = (s * mx.log(h) * bessel_i1(mx.minimum(s, 2)) + _special_polynomial(h * h, [-0.00004686, -0.00110404, -0.01919402, -0.18156897, -0.67278579, 0.15443144, 1.0])) / s * mx.exp(s)
    u = 2 / mx.maximum(s, 2)
    large = _special_polynomial(u, [-0.00068245, 0.00325614, -0.00780353, 0.01504268, -0.0365562, 0.23498619, 1.25331414]) / mx.sqrt(mx.maximum(s, 2))
    result = mx.where(x <= 2, small, large)
    return mx.where(x == 0, mx.inf, mx.where(x < 0, mx.nan, result))


def _bessel_asymptotic(ax, shift, p, q):
    z = 8 / mx.maximum(ax, 8)
    y = z * z
    xx = ax - shift
    return mx.sqrt(0.636619772 / mx.maximum(ax, 8)), xx, z, _special_polynomial(y, p), _special_polynomial(y, q)


_J0_P = [0.2093887211e-6, -0.2073370639e-5, 0.2734510407e-4, -0.1098628627e-2, 1.0]
_J0_Q = [-0.934935152e-7, 0.7621095161e-6, -0.6911147651e-5, 0.1430488765e-3, -0.1562499995e-1]
_J1_P = [-0.240337019e-6, 0.2457520174e-5, -0.3516396496e-4, 0.183105e-2, 1.0]
_J1_Q = [0.105787412e-6, -0.88228987e-6, 0.8449199096e-5, -0.2002690873e-3, 0.04687499995]


def bessel_j0(x):
    """torch.special.bessel_j0: the Bessel function of the first kind, order 0 (Numerical
    Recipes' rational and asymptotic forms)."""
    x = _special_float(x)
    ax = mx.abs(x)
    y = x * x
    near = _special_polynomial(y, [-184.9052456, 77392.33017, -11214424.18, 651619640.7, -13362590354.0, 57568490574.0]) / \
        _special_polynomial(y, [1.0, 267.8532712, 59272.64853, 9494680.718, 1029532985.0, 57568490411.0])
    scale, xx, z, p, q = _bessel_asymptotic(ax, 0.785398164, _J0_P, _J0_Q)
    far = scale * (mx.cos(xx) * p - z * mx.sin(xx) * q)
    return mx.where(ax < 8, near, far)


def bessel_j1(x):
    """torch.special.bessel_j1: the Bessel function of the first kind, order 1."""
    x = _special_float(x)
    ax = mx.abs(x)
    y = x * x
    near = x * _special_polynomial(y, [-30.16036606, 15704.4826, -2972611.439, 242396853.1, -7895059235.0, 72362614232.0]) / \
        _special_polynomial(y, [1.0, 376.9991397, 99447.43394, 18583304.74, 2300535178.0, 144725228442.0])
    scale, xx, z, p, q = _bessel_asymptotic(ax, 2.356194491, _J1_P, _J1_Q)
    far = scale * (mx.cos(xx) * p - z * mx.sin(xx) * q)
    far = mx.where(x < 0, -far, far)
    return mx.where(ax < 8, near, far)


def bessel_y0(x):
    """torch.special.bessel_y0: the Bessel function of the second kind, order 0 (nan below
    0, -inf at 0)."""
    x = _special_float(x)
    s = mx.maximum(x, 1e-30)
    y = s * s
    near = _special_polynomial(y, [228.4622733, -86327.92757, 10879881.29, -512359803.6, 7062834065.0, -2957821389.0]) / \
        _special_polynomial(y, [1.0, 226.1030244, 47447.2647, 7189466.438, 745249964.8, 40076544269.0]) + \
        0.636619772 * bessel_j0(s) * mx.log(s)
    scale, xx, z, p, q = _bessel_asymptotic(s, 0.785398164, _J0_P, _J0_Q)
    far = scale * (mx.sin(xx) * p + z * mx.cos(xx) * q)
    result = mx.where(s < 8, near, far)
    return mx.where(x == 0, -mx.inf, mx.where(x < 0, mx.nan, result))


def bessel_y1(x):
    """torch.special.bessel_y1: the Bessel function of the second kind, order 1 (nan below
    0, -inf at 0)."""
    x = _special_float(x)
    s = mx.maximum(x, 1e-30)
    y = s * s
    near = s * _special_polynomial(y, [0.8511937935e4, -0.4237922726e7, 0.7349264551e9, -0.5153438139e11, 0.1275274390e13, -0.4900604943e13]) / \
        _special_polynomial(y, [1.0, 0.3549632885e3, 0.1020426050e6, 0.2245904002e8, 0.3733650367e10, 0.4244419664e12, 0.2499580570e14]) + \
        0.636619772 * (bessel_j1(s) * mx.log(s) - 1 / s)
    scale, xx, z, p, q = _bessel_asymptotic(s, 2.356194491, _J1_P, _J1_Q)
    far = scale * (mx.sin(xx) * p + z * mx.cos(xx) * q)
    result = mx.where(s < 8, near, far)
    return mx.where(x == 0, -mx.inf, mx.where(x < 0, mx.nan, result))


def spherical_bessel_j0(x):
    """torch.special.spherical_bessel_j0: sin(x) / x, 1 at 0."""
    x = _special_float(x)
    safe = mx.where((x == 0) | mx.isinf(x), 1, x)
    return mx.where(x == 0, 1, mx.where(mx.isinf(x), 0, mx.sin(safe) / safe))


_AIRY_AN = [3.46538101525629032477e-01, 1.20075952739645805542e+01, 7.62796053615234516538e+01, 1.68089224934630576269e+02,
            1.59756391350164413639e+02, 7.05360906840444183113e+01, 1.40264691163389668864e+01, 9.99999999999999995305e-01]
_AIRY_AD = [5.67594532638770212846e-01, 1.47562562584847203173e+01, 8.45138970141474626562e+01, 1.77318088145400459522e+02,
            1.64234692871529701831e+02, 7.14778400825575695274e+01, 1.40959135607834029598e+01, 1.00000000000000000470e+00]
_AIRY_AFN = [-1.31696323418331795333e-01, -6.26456544431912369773e-01, -6.93158036036933542233e-01, -2.79779981545119124951e-01,
             -4.91900132609500318020e-02, -4.06265923594885404393e-03, -1.59276496239262096340e-04, -2.77649108155232920844e-06,
             -1.67787698489114633780e-08]
_AIRY_AFD = [1.33560420706553243746e+01, 3.26825032795224613948e+01, 2.67367040941499554804e+01, 9.18707402907259625840e+00,
             1.47529146771666414581e+00, 1.15687173795188044134e-01, 4.40291641615211203805e-03, 7.54720348287414296618e-05,
             4.51850092970580378464e-07]
_AIRY_AGN = [1.97339932091685679179e-02, 3.91103029615688277255e-01, 1.06579897599595591108e+00, 9.39169229816650230044e-01,
             3.51465656105547619242e-01, 6.33888919628925490927e-02, 5.85804113048388458567e-03, 2.82851600836737019778e-04,
             6.98793669997260967291e-06, 8.11789239554389293311e-08, 3.41551784765923618484e-10]
_AIRY_AGD = [9.30892908077441974853e+00, 1.98352928718312140417e+01, 1.55646628932864612953e+01, 5.47686069422975497931e+00,
             9.54293611618961883998e-01, 8.64580826352392193095e-02, 4.12656523824222607191e-03, 1.01259085116509135510e-04,
             1.17166733214413521882e-06, 4.91834570062930015649e-09]


def airy_ai(x):
    """torch.special.airy_ai: torch's algorithm (Cephes'): rational asymptotic forms below
    -2.09 and from 2.09, else the Maclaurin series summed until a term is below the dtype's
    epsilon (each element stops where torch's loop does); NaN at +-inf, 0 above 103.892."""
    x = _special_float(x)
    # Below -2.09: the oscillating asymptotic form.
    neg = mx.minimum(x, -2.09)
    z = 1.0 / (-2.0 * neg * mx.sqrt(-neg) / 3.0)
    zz = z * z
    t = -2.0 * neg * mx.sqrt(-neg) / 3.0 + 0.25 * math.pi
    oscillating = 5.64189583547756286948e-01 / mx.sqrt(mx.sqrt(-neg)) * (
        mx.sin(t) * (1.0 + zz * _special_polynomial(zz, _AIRY_AFN) / _special_polynomial(zz, _AIRY_AFD))
        - mx.cos(t) * (z * _special_polynomial(zz, _AIRY_AGN) / _special_polynomial(zz, _AIRY_AGD)))
    # From 2.09: the decaying asymptotic form.
    pos = mx.maximum(x, 2.09)
    zeta = 2.0 * pos * mx.sqrt(pos) / 3.0
    decaying = 5.64189583547756286948e-01 * (_special_polynomial(1.0 / zeta, _AIRY_AN) / _special_polynomial(1.0 / zeta, _AIRY_AD)) / (
        2.0 * mx.sqrt(mx.sqrt(pos)) * mx.exp(zeta))
    # Between: the series f and g of Ai = c1 f - c2 g.
    small = mx.clip(x, -2.09, 2.09)
    cube = small * small * small
    f, g, k, m, n = mx.ones_like(small), small, mx.ones_like(small), mx.ones_like(small), small
    active = mx.ones(small.shape, dtype=mx.bool_)
    epsilon = mx.finfo(small.dtype).eps
    for _ in range(40):  # |x| < 2.09 needs fewer than 20 terms to fall below float64's epsilon
        m2 = m * cube / (k + 1) / (k + 2)
        n2 = n * cube / (k + 2) / (k + 3)
        f, g = mx.where(active, f + m2, f), mx.where(active, g + n2, g)
        m, n, k = mx.where(active, m2, m), mx.where(active, n2, n), mx.where(active, k + 3, k)
        active = active & (mx.abs(m / f) > epsilon)
    series = 0.355028053887817239260 * f - 0.258819403792806798405 * g
    out = mx.where(x < -2.09, oscillating, mx.where(x >= 2.09, decaying, series))
    return mx.where(mx.isinf(x), mx.nan, mx.where(x > 103.892, 0, out)).astype(x.dtype)


def sinc(x):
    """torch.sinc / torch.special.sinc: sin(pi x) / (pi x), 1 at 0."""
    x = _special_float(x)
    safe = mx.where(x == 0, 1, x) * mx.pi
    return mx.where(x == 0, 1, mx.sin(safe) / safe)


def entr(x):
    """torch.special.entr: -x log(x) for x > 0, 0 at 0, -inf below (nan stays nan)."""
    x = _special_float(x)
    positive = -x * mx.log(mx.where(x > 0, x, 1))
    result = mx.where(x > 0, positive, mx.where(x == 0, 0, -mx.inf))
    return mx.where(mx.isnan(x), x, result)


def xlogy(x, y):
    """torch.xlogy / torch.special.xlogy: x * log(y), 0 where x is 0 (unless y is nan)."""
    x, y = _special_float(x), _special_float(y)
    result = x * mx.log(mx.where(x == 0, 1, y))
    return mx.where(mx.isnan(y), mx.nan, result)


def xlog1py(x, y):
    """torch.special.xlog1py: x * log1p(y), 0 where x is 0 (unless y is nan)."""
    x, y = _special_float(x), _special_float(y)
    result = x * mx.log1p(mx.where(x == 0, 0, y))
    return mx.where(mx.isnan(y), mx.nan, result)


def logit(x, eps=None):
    """torch.logit / torch.special.logit: log(x / (1 - x)), x clamped to [eps, 1 - eps] first
    when eps is given."""
    x = _special_float(x)
    if eps is not None:
        x = mx.clip(x, eps, 1 - eps)
    return mx.log(x / (1 - x))


def lu(A):
    """torch.linalg.lu: (P, L, U) with A = P @ L @ U and P a permutation matrix (mx.linalg.lu
    returns the row indices p, with A = L[p] @ U). On the CPU stream (no GPU kernel)."""
    p, L, U = mx.linalg.lu(A, stream=mx.cpu)
    P = mx.put_along_axis(mx.zeros(p.shape + (p.shape[-1],), dtype=L.dtype), p[..., None].astype(mx.int32), mx.array(1, dtype=L.dtype), axis=-1)
    return P, L, U


def lu_factor(A):
    """torch.linalg.lu_factor: (LU, pivots) with LAPACK's 1-based int32 pivots
    (mx.linalg.lu_factor's are 0-based uint32). On the CPU stream (no GPU kernel)."""
    LU, pivots = mx.linalg.lu_factor(A, stream=mx.cpu)
    return LU, pivots.astype(mx.int32) + 1


_LuFactorEx = _collections.namedtuple("LuFactorEx", ["LU", "pivots", "info"])
_InvEx = _collections.namedtuple("InvEx", ["inverse", "info"])
_SolveEx = _collections.namedtuple("SolveEx", ["result", "info"])
_CholeskyEx = _collections.namedtuple("CholeskyEx", ["L", "info"])


def _lu_info(LU):
    """LAPACK getrf's info, as torch reports it: i when U[i-1, i-1] is the first pivot that is
    exactly zero (getrf goes on factoring past it), else 0."""
    zero = mx.diagonal(LU, axis1=-2, axis2=-1) == 0
    return mx.where(zero.any(axis=-1), mx.argmax(zero, axis=-1) + 1, 0).astype(mx.int32)


def lu_factor_ex(A):
    """torch.linalg.lu_factor_ex: (LU, pivots, info), info as LAPACK's getrf reports it (MLX's
    LU reports none). On the CPU stream (no GPU kernel)."""
    LU, pivots = lu_factor(A)
    return _LuFactorEx(LU, pivots, _lu_info(LU))


def _regular_or_identity(A):
    """(A with its singular matrices replaced by the identity, whether each was singular, info):
    MLX's inverse and solve raise on a singular matrix, torch's _ex functions report it in
    info and leave LAPACK's inf or NaN in its result (NaN here)."""
    info = _lu_info(mx.linalg.lu_factor(A, stream=mx.cpu)[0])
    singular = info > 0
    return mx.where(singular[..., None, None], mx.eye(A.shape[-1], dtype=A.dtype), A), singular, info


def inv_ex(A):
    """torch.linalg.inv_ex: (inverse, info), info as LAPACK's getrf reports it; a singular
    matrix's inverse is NaN. On the CPU stream (no GPU kernel)."""
    regular, singular, info = _regular_or_identity(A)
    inverse = mx.linalg.inv(regular, stream=mx.cpu)
    return _InvEx(mx.where(singular[..., None, None], mx.nan, inverse), info)


def solve_ex(A, B):
    """torch.linalg.solve_ex: (result, info), info (over A's batch) as LAPACK's getrf reports
    it; the solution for a singular matrix is NaN. On the CPU stream (no GPU kernel)."""
    regular, singular, info = _regular_or_identity(A)
    X = solve(regular, B)
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])
    return _SolveEx(mx.where(singular.reshape(singular.shape + (1,) * (1 if vector else 2)), mx.nan, X), info)


def cholesky_ex(A, upper=False):
    """torch.linalg.cholesky_ex: (L, info), info the order of the first leading minor that is
    not positive-definite (0: none). MLX's Cholesky (LAPACK's potrf) does not check, but potrf
    stops at that minor and leaves its non-positive (or NaN) pivot on the diagonal, where a
    factor has only positive square roots: the first such diagonal entry is the order. On
    the CPU stream (no GPU kernel)."""
    L = mx.linalg.cholesky(A, upper=upper, stream=mx.cpu)
    failed = ~(mx.diagonal(L, axis1=-2, axis2=-1) > 0)
    return _CholeskyEx(L, mx.where(failed.any(axis=-1), mx.argmax(failed, axis=-1) + 1, 0).astype(mx.int32))


_LdlFactor = _collections.namedtuple("LdlFactor", ["LD", "pivots"])
_LdlFactorEx = _collections.namedtuple("LdlFactorEx", ["LD", "pivots", "info"])


def _sytf2_lower(a):
    """LAPACK's sytf2 (Bunch-Kaufman pivoting, the lower triangle), which torch's ldl_factor
    runs: (LD, 1-based pivots, negative for a 2x2 block, info) of one real matrix, in its
    precision, on the host. Only the lower triangle is read; the upper one is returned zero."""
    a = _np.tril(a).copy()
    n = a.shape[0]
    alpha = _np.array((1 + _math.sqrt(17)) / 8, dtype=a.dtype)
    ipiv, info, k = _np.zeros(n, dtype=_np.int32), 0, 0
    while k < n:
        kstep, absakk = 1, abs(a[k, k])
        imax = k + 1 + int(_np.argmax(_np.abs(a[k + 1:, k]))) if k < n - 1 else k
        colmax = abs(a[imax, k]) if k < n - 1 else 0
        if max(absakk, colmax) == 0 or _np.isnan(absakk):  # D(k, k) is exactly zero: go on
            info = info or k + 1
            kp = k
        else:
            if absakk >= alpha * colmax:
                kp = k
            else:
                rowmax = abs(a[imax, k + int(_np.argmax(_np.abs(a[imax, k:imax])))])
                if imax < n - 1:
                    rowmax = max(rowmax, _np.abs(a[imax + 1:, imax]).max())
                if absakk >= alpha * colmax * (colmax / rowmax):
                    kp = k
                elif abs(a[imax, imax]) >= alpha * rowmax:
                    kp = imax
                else:
                    kp, kstep = imax, 2
            kk = k + kstep - 1
            if kp != kk:  # swap rows and columns kk and kp of the trailing triangle
                a[kp + 1:, [kk, kp]] = a[kp + 1:, [kp, kk]]
                column = a[kk + 1:kp, kk].copy()
                a[kk + 1:kp, kk] = a[kp, kk + 1:kp]
                a[kp, kk + 1:kp] = column
                a[[kk, kp], [kk, kp]] = a[[kp, kk], [kp, kk]]
                if kstep == 2:
                    a[[k + 1, kp], k] = a[[kp, k + 1], k]
            if kstep == 1 and k < n - 1:
                d11 = 1 / a[k, k]
                x = a[k + 1:, k].copy()
                a[k + 1:, k + 1:] -= _np.tril(d11 * _np.outer(x, x))
                a[k + 1:, k] = x * d11
            elif kstep == 2 and k < n - 2:
                d21 = a[k + 1, k]
                d11, d22 = a[k + 1, k + 1] / d21, a[k, k] / d21
                d21 = 1 / (d11 * d22 - 1) / d21
                for j in range(k + 2, n):
                    wk = d21 * (d11 * a[j, k] - a[j, k + 1])
                    wkp1 = d21 * (d22 * a[j, k + 1] - a[j, k])
                    a[j:, j] -= a[j:, k] * wk + a[j:, k + 1] * wkp1
                    a[j, k], a[j, k + 1] = wk, wkp1
        ipiv[k:k + kstep] = kp + 1 if kstep == 1 else -(kp + 1)
        k += kstep
    return a, ipiv, info


def ldl_factor_ex(A):
    """torch.linalg.ldl_factor_ex: (LD, pivots, info) of real symmetric matrices, LAPACK's
    Bunch-Kaufman factorization as torch computes it (MLX has none); read and computed on the
    host, matrix by matrix."""
    a = _np.array(A)
    flat = a.reshape((-1,) + a.shape[-2:])
    results = [_sytf2_lower(m) for m in flat]
    batch = a.shape[:-2]
    LD = _np.stack([r[0] for r in results]).reshape(a.shape) if results else a
    pivots = _np.stack([r[1] for r in results]).reshape(batch + a.shape[-1:]) if results else _np.zeros(batch + a.shape[-1:], _np.int32)
    info = _np.array([r[2] for r in results], dtype=_np.int32).reshape(batch)
    return _LdlFactorEx(mx.array(LD), mx.array(pivots), mx.array(info))


def ldl_factor(A):
    """torch.linalg.ldl_factor: ldl_factor_ex's (LD, pivots); torch raises when a D(k, k) is
    exactly zero (info > 0), and so does this."""
    LD, pivots, info = ldl_factor_ex(A)
    if (info > 0).any().item():
        raise RuntimeError(f"torch.linalg.ldl_factor: the factorization could not be completed (info {_np.array(info).max()})")
    return _LdlFactor(LD, pivots)


def solve(A, B):
    """torch.linalg.solve: X with A @ X = B, B a vector or a batch of vectors when it is 1-D or
    has A's shape without its last axis (else matrices), batch dimensions broadcast, as torch.
    On the CPU stream (no GPU kernel)."""
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])
    if vector:
        B = B[..., None]
    batch = mx.broadcast_shapes(A.shape[:-2], B.shape[:-2])
    A = mx.broadcast_to(A, batch + A.shape[-2:])
    B = mx.broadcast_to(B, batch + B.shape[-2:])
    X = mx.linalg.solve(A, B, stream=mx.cpu)
    return X[..., 0] if vector else X


def svd_reduced(A):
    """torch.linalg.svd(A, full_matrices=False): U (..., m, k), S (..., k), Vh (..., k, n) with
    k = min(m, n). On the CPU stream (no GPU kernel)."""
    U, S, Vh = mx.linalg.svd(A, stream=mx.cpu)
    k = min(A.shape[-2], A.shape[-1])
    return U[..., :k], S, Vh[..., :k, :]


def cond(A, p=None):
    """torch.linalg.cond: the condition number of A in the norm p (None and 2: the ratio of
    the extreme singular values; -2 its inverse; else norm(A) * norm(inv(A)))."""
    if p is None or p == 2 or p == -2:
        S = mx.linalg.svd(A, compute_uv=False, stream=mx.cpu)
        ratio = S[..., 0] / S[..., -1]
        return 1 / ratio if p == -2 else ratio
    inverse = mx.linalg.inv(A, stream=mx.cpu)
    return mx.linalg.norm(A, p, axis=(-2, -1), stream=mx.cpu) * mx.linalg.norm(inverse, p, axis=(-2, -1), stream=mx.cpu)


def matrix_power(A, n):
    """torch.linalg.matrix_power: A to the integer power n by repeated squaring (the inverse's
    power for n < 0, the identity for n = 0)."""
    if n < 0:
        A, n = mx.linalg.inv(A, stream=mx.cpu), -n
    result = mx.broadcast_to(mx.eye(A.shape[-1], dtype=A.dtype), A.shape)
    while n:
        if n & 1:
            result = result @ A
        n >>= 1
        if n:
            A = A @ A
    return result


def matrix_rank(A, atol=None, rtol=None, hermitian=False):
    """torch.linalg.matrix_rank: the number of singular values above max(atol, rtol * the
    largest); rtol defaults to eps * max(m, n), or to 0 when atol > 0 is given, as torch."""
    if hermitian:
        S = mx.abs(mx.linalg.eigvalsh(A, stream=mx.cpu))
    else:
        S = mx.linalg.svd(A, compute_uv=False, stream=mx.cpu)
    default = mx.finfo(S.dtype).eps * max(A.shape[-2], A.shape[-1])
    if rtol is None:
        rtol = default if atol is None else mx.where(mx.array(atol) > 0, 0.0, default)
    atol = mx.array(0.0 if atol is None else atol)
    rtol = mx.array(rtol)
    tolerance = mx.maximum(atol[..., None], rtol[..., None] * S.max(axis=-1, keepdims=True))
    return (S > tolerance).sum(axis=-1)


def multi_dot(tensors):
    """torch.linalg.multi_dot: the product of the matrices in order (a 1-D first or last one is
    a row or column vector, dropped from the result, as matmul does)."""
    result = tensors[0]
    for t in tensors[1:]:
        result = mx.matmul(result, t)
    return result


def vector_norm(x, ord=2, dim=None, keepdim=False):
    """torch.linalg.vector_norm: the ord-norm of x over dim (all of x when None) as a vector:
    inf: max |x|, -inf: min |x|, 0: the count of non-zeros, else sum(|x|^ord)^(1/ord)."""
    if dim is None:
        dim = tuple(range(x.ndim))
    a = mx.abs(x)
    if ord == float("inf"):
        return a.max(axis=dim, keepdims=keepdim)
    if ord == float("-inf"):
        return a.min(axis=dim, keepdims=keepdim)
    if ord == 0:
        return (a != 0).astype(a.dtype).sum(axis=dim, keepdims=keepdim)
    if ord == 1:
        return a.sum(axis=dim, keepdims=keepdim)
    if ord == 2:
        return mx.sqrt((a * a).sum(axis=dim, keepdims=keepdim))
    return mx.power(mx.power(a, ord).sum(axis=dim, keepdims=keepdim), 1 / ord)


def vander(x, N=None):
    """torch.linalg.vander: the Vandermonde matrix of x with increasing powers 0 .. N - 1
    (N defaults to the length of x's last axis)."""
    if N is None:
        N = x.shape[-1]
    return mx.power(x[..., None], mx.arange(N).astype(x.dtype))


def tensorinv(A, ind=2):
    """torch.linalg.tensorinv: the inverse of A for tensordot over its first ind dimensions."""
    rows, columns = A.shape[:ind], A.shape[ind:]
    size = 1
    for n in rows:
        size *= n
    inverse = mx.linalg.inv(A.reshape(size, -1), stream=mx.cpu)
    return inverse.reshape(*columns, *rows)


def tensorsolve(A, B, dims=None):
    """torch.linalg.tensorsolve: X with tensordot(A, X, X.ndim) = B (dims of A moved to the
    end first)."""
    if dims is not None:
        rest = [d for d in range(A.ndim) if d not in [d % A.ndim for d in dims]]
        A = A.transpose(rest + [d % A.ndim for d in dims])
    shape = A.shape[B.ndim:]
    size = 1
    for n in shape:
        size *= n
    X = mx.linalg.solve(A.reshape(-1, size), B.reshape(-1), stream=mx.cpu)
    return X.reshape(shape)


def fft_last_axes(transform, x, s, norm="backward"):
    """A torch.fft n-dimensional transform given s without dim: it runs over the last len(s)
    axes (mx.fft's n-dimensional transforms need the axes with s)."""
    return transform(x, s, axes=list(range(-len(s), 0)), norm=norm)


def fill_diagonal(x, fill_value, wrap=False):
    """Tensor.fill_diagonal_: x with its main diagonal (every index equal; for a tall matrix
    with wrap, restarting every columns + 1 rows, as torch) set to fill_value, dtype kept."""
    if x.ndim == 2:
        rows, columns = x.shape
        step = columns + 1
        end = x.size if wrap else min(x.size, columns * columns)
    else:
        step, stride = 0, 1
        for n in reversed(x.shape):
            step += stride
            stride *= n
        end = x.size
    mask = mx.zeros((x.size,), dtype=mx.bool_)
    mask[mx.arange(0, end, step)] = True
    return mx.where(mask.reshape(x.shape), fill_value, x).astype(x.dtype)


def tensor_unfold(x, dimension, size, step):
    """Tensor.unfold: every slice of length size along dimension, step apart; the slices'
    count replaces that dimension and their elements form a new last dimension."""
    dimension = dimension % x.ndim
    count = (x.shape[dimension] - size) // step + 1
    index = (mx.arange(count) * step)[:, None] + mx.arange(size)[None, :]
    windows = mx.take(x, index.reshape(-1), axis=dimension)
    windows = windows.reshape(*x.shape[:dimension], count, size, *x.shape[dimension + 1:])
    return mx.moveaxis(windows, dimension + 1, -1)


def stride(x, dim=None):
    """Tensor.stride: the strides, in elements, of a contiguous row-major array of x's shape
    (an axis of size 0 counts as 1, as torch counts it): what every MLX array presents."""
    strides, step = [], 1
    for size in reversed(x.shape):
        strides.insert(0, step)
        step *= max(size, 1)
    return tuple(strides) if dim is None else strides[dim]


def sum_to_size(x, *size):
    """Tensor.sum_to_size: x summed over the axes it was broadcast along from size."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    lead = x.ndim - len(size)
    if lead:
        x = x.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, n in enumerate(size) if n == 1 and x.shape[i] != 1)
    return x.sum(axis=axes, keepdims=True) if axes else x


def matrix_exp(A):
    """torch.linalg.matrix_exp: exp(A) by scaling and squaring: A / 2^s with a 1-norm at most
    0.5 (s read from the array: one host synchronisation, not for mx.compile), a degree-12
    Taylor series (truncation error below 1e-14), then s squarings."""
    norm = mx.abs(A).sum(axis=-2).max().item() if A.size else 0.0
    s = 0
    while norm > 0.5 and s < 1100:  # bounded: an infinite or NaN norm gives inf/NaN results
        norm /= 2
        s += 1
    X = A / (2.0 ** s)
    identity = mx.broadcast_to(mx.eye(A.shape[-1], dtype=A.dtype), A.shape)
    term, result = identity, identity
    for k in range(1, 13):
        term = term @ X / k
        result = result + term
    for _ in range(s):
        result = result @ result
    return result


def lu_solve(LU, pivots, B, left=True, adjoint=False):
    """torch.linalg.lu_solve: X with A @ X = B from torch.linalg.lu_factor's (LU, pivots):
    B's rows swapped as the pivots say (1-based, LAPACK's order), then the unit-lower and
    upper triangular solves. left=False solves X @ A = B; adjoint=True solves with A^H. On the
    CPU stream (no GPU kernel)."""
    batch = mx.broadcast_shapes(LU.shape[:-2], B.shape[:-2])
    LU = mx.broadcast_to(LU, batch + LU.shape[-2:])
    pivots = mx.broadcast_to(pivots, batch + pivots.shape[-1:])
    B = mx.broadcast_to(B, batch + B.shape[-2:])
    n = LU.shape[-1]
    L = mx.tril(LU, -1) + mx.eye(n, dtype=LU.dtype)
    U = mx.triu(LU)
    perm = mx.broadcast_to(mx.arange(n), batch + (n,))
    index = (pivots - 1).astype(mx.int32)
    for i in range(n):
        j = index[..., i:i + 1]
        at_i = perm[..., i:i + 1]
        at_j = mx.take_along_axis(perm, j, axis=-1)
        perm = mx.concatenate([perm[..., :i], at_j, perm[..., i + 1:]], axis=-1)
        perm = mx.put_along_axis(perm, j, at_i, axis=-1)
    # A = P L U with P[perm[k], k] = 1: A^-1 = U^-1 L^-1 P^T, and P^T B = B[perm].
    def solve_lu(rhs):
        rows = mx.take_along_axis(rhs, mx.broadcast_to(perm[..., None], perm.shape + (rhs.shape[-1],)), axis=-2) if batch else rhs[perm]
        y = mx.linalg.solve_triangular(L, rows, upper=False, stream=mx.cpu)
        return mx.linalg.solve_triangular(U, y, upper=True, stream=mx.cpu)

    def solve_lu_adjoint(rhs):
        # A^H = U^H L^H P^T: A^-H = P L^-H U^-H.
        y = mx.linalg.solve_triangular(mx.swapaxes(U, -1, -2).conj(), rhs, upper=False, stream=mx.cpu)
        z = mx.linalg.solve_triangular(mx.swapaxes(L, -1, -2).conj(), y, upper=True, stream=mx.cpu)
        inverse = mx.argsort(perm, axis=-1)
        return mx.take_along_axis(z, mx.broadcast_to(inverse[..., None], inverse.shape + (z.shape[-1],)), axis=-2) if batch else z[inverse]

    if left:
        return solve_lu_adjoint(B) if adjoint else solve_lu(B)
    # X A = B  <=>  A^T X^T = B^T (A^H X^H = B^H with adjoint: X A^H = B).
    Bt = mx.swapaxes(B, -1, -2)
    if adjoint:
        return mx.swapaxes(solve_lu(Bt.conj()), -1, -2).conj()
    return mx.swapaxes(solve_lu_adjoint(Bt.conj()).conj(), -1, -2)


def householder_product(A, tau):
    """torch.linalg.householder_product: the first n columns of H_1 ... H_k, H_i = I - tau_i
    v_i v_i^H, v_i the i-th column of A below the diagonal with a 1 on it (LAPACK's orgqr)."""
    m, n = A.shape[-2], A.shape[-1]
    rows = mx.arange(m)[:, None]
    Q = mx.broadcast_to(mx.eye(m, dtype=A.dtype), A.shape[:-2] + (m, m))
    for i in range(tau.shape[-1]):
        v = mx.where(rows > i, A[..., :, i:i + 1], mx.where(rows == i, 1, 0).astype(A.dtype))
        Q = Q - (Q @ v) * tau[..., i:i + 1, None] @ mx.swapaxes(v, -1, -2).conj()
    return Q[..., :, :n]


_Geqrf = _collections.namedtuple("Geqrf", ["a", "tau"])


def geqrf(A):
    """torch.geqrf: LAPACK's geqrf, QR as Householder reflectors H_i = I - tau_i v_i v_i^T: R on
    and above the diagonal, each v_i below it (its 1 on the diagonal implied), and tau. LAPACK's
    reflector (dlarfg) maps the column to beta = -sign(alpha) * its norm, alpha its diagonal
    entry, and is the identity (tau 0) when the column below the diagonal is zero, so the
    numbers are torch's. Real matrices."""
    m, n = A.shape[-2], A.shape[-1]
    rows, cols = mx.arange(m), mx.arange(n)[None, :]
    taus = []
    for i in range(min(m, n)):
        alpha = A[..., i, i]
        below = mx.where(rows > i, A[..., :, i], 0)
        xnorm = mx.sqrt((below * below).sum(axis=-1))
        reflect = xnorm != 0
        beta = -mx.where(alpha >= 0, 1, -1).astype(A.dtype) * mx.sqrt(alpha * alpha + xnorm * xnorm)
        tau = mx.where(reflect, (beta - alpha) / mx.where(reflect, beta, 1), 0)
        v = mx.where(rows == i, 1, below / mx.where(reflect, alpha - beta, 1)[..., None])
        w = (v[..., :, None] * A).sum(axis=-2)  # v^T A
        A = mx.where(cols > i, A - tau[..., None, None] * v[..., :, None] * w[..., None, :], A)
        column = mx.where(rows == i, mx.where(reflect, beta, alpha)[..., None], mx.where(rows > i, v, A[..., :, i]))
        A = mx.where(cols == i, column[..., :, None], A)
        taus.append(tau)
    return _Geqrf(A, mx.stack(taus, axis=-1) if taus else mx.zeros(A.shape[:-2] + (0,), dtype=A.dtype))


# --- nn.functional and nn layers (API table) ---
# torch's functional ops take channels-first arrays ((N, C, *spatial) or unbatched (C, *spatial))
# and conv weights (O, I, *k); MLX's layers and convolutions are channels-last. The functions
# below keep torch's layouts, so a port of a call computes what torch computes; the layer
# classes are channels-last, as MLX's own layers are.
import math  # noqa: E402


def _ntuple(value, n):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


def same_padding(kernel_size, dilation, dims):
    """A torch convolution's padding='same' (stride 1) as MLX's padding on each side of each
    spatial axis: dilation * (kernel - 1) in all, half on each side. Where that total is odd
    torch pads the extra element on the right, which MLX's symmetric padding cannot express:
    that raises rather than compute something else."""
    pads = []
    for k, d in zip(_ntuple(kernel_size, dims), _ntuple(dilation, dims)):
        total = d * (k - 1)
        if total % 2:
            raise NotImplementedError(f"padding='same' with kernel {kernel_size} and dilation {dilation}: torch pads one more element on the right, MLX's convolution pads both sides alike")
        pads.append(total // 2)
    return pads[0] if dims == 1 else tuple(pads)


def ntuple(x, n):
    """torch.nn.modules.utils._single/_pair/_triple/_quadruple: an iterable as a tuple,
    anything else repeated n times."""
    return tuple(x) if hasattr(x, "__iter__") else (x,) * n


def ntuple_parser(n, name="parse"):
    """torch.nn.modules.utils._ntuple: the parse function _single, _pair, ... are, named name."""
    def parse(x):
        return ntuple(x, n)

    parse.__name__ = name
    return parse


def channels_first(function, x, spatial):
    """Apply a channels-last MLX layer or function (a pooling layer, a convolution) to torch's
    channels-first `x`, batched or not; the result is channels-first again."""
    unbatched = x.ndim == spatial + 1
    if unbatched:
        x = x[None]
    y = mx.moveaxis(function(mx.moveaxis(x, 1, -1)), -1, 1)
    return y[0] if unbatched else y


def scaled_dot_product_attention(q, k, v, *, scale, mask=None):
    """mx.fast.scaled_dot_product_attention for q, k and v with any number of leading axes, as
    torch's F.scaled_dot_product_attention takes them (timm's NesT: (B, H, blocks, T, D)).
    MLX's kernel takes (B, H, T, D) only: the leading axes are flattened into the batch."""
    if q.ndim == 4:
        return mx.fast.scaled_dot_product_attention(q, k, v, scale=scale, mask=mask)
    lead = q.shape[:-2]
    if isinstance(mask, mx.array):
        mask = mx.broadcast_to(mask, (*lead, q.shape[-2], k.shape[-2])).reshape(-1, 1, q.shape[-2], k.shape[-2])
    flat = [a.reshape(-1, 1, *a.shape[-2:]) for a in (q, k, v)]
    out = mx.fast.scaled_dot_product_attention(*flat, scale=scale, mask=mask)
    return out.reshape(*lead, *out.shape[-2:])


def linear(input, weight, bias=None):
    """F.linear with a bias that may be None (`self.bias` of a layer built without one)."""
    y = input @ weight.T
    return y if bias is None else y + bias


def bilinear(input1, input2, weight, bias=None):
    """F.bilinear with a bias that may be None."""
    y = mx.einsum("...i,oij,...j->...o", input1, weight, input2)
    return y if bias is None else y + bias


def squeeze(x, dim):
    """torch's squeeze(dim): of the axes `dim` names (one or a tuple), those of size 1 go and
    the others stay; MLX's squeeze raises on an axis whose size is not 1."""
    axes = [d for d in (dim if isinstance(dim, (tuple, list)) else (dim,)) if x.shape[d] == 1]
    return mx.squeeze(x, axes) if axes else x


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


def fractional_max_pool(x, kernel_size, output_size=None, output_ratio=None, return_indices=False, _random_samples=None, spatial=2):
    """F.fractional_max_pool2d/3d on a channels-first array ((N, C, *S) or (C, *S)): the max
    over windows starting where torch's intervals put them, from one sample in [0, 1) per
    batch entry, channel and axis (drawn by MLX's generator unless _random_samples gives
    them; torch's 2-D samples are (W, H), its 3-D ones (T, H, W)). With return_indices, also
    each max's flat index in its plane."""
    batched = x.ndim == spatial + 2
    x = x if batched else x[None]
    n, c, sizes = x.shape[0], x.shape[1], x.shape[2:]
    kernel = _ntuple(kernel_size, spatial)
    if output_size is None:
        output_size = [int(size * ratio) for size, ratio in zip(sizes, _ntuple(output_ratio, spatial))]
    output_size = _ntuple(output_size, spatial)
    samples = _random_samples if _random_samples is not None else mx.random.uniform(shape=(n, c, spatial), dtype=x.dtype)
    order = [1, 0] if spatial == 2 else [0, 1, 2]  # the sample of each spatial axis
    out, index = x, None
    flat = mx.zeros((n, c) + (1,) * spatial, dtype=mx.int32)
    for axis, (size, out_size, k) in enumerate(zip(sizes, output_size, kernel)):
        sample = samples[:, :, order[axis]][..., None].astype(x.dtype)
        if out_size > 1:
            alpha = mx.array(size - k, dtype=x.dtype) / mx.array(out_size - 1, dtype=x.dtype)
            steps = mx.arange(out_size - 1).astype(x.dtype)
            starts = ((steps + sample) * alpha).astype(mx.int32) - (sample * alpha).astype(mx.int32)
            starts = mx.concatenate([starts, mx.full((n, c, 1), size - k, dtype=mx.int32)], axis=-1)
        else:
            starts = mx.full((n, c, out_size), size - k, dtype=mx.int32)
        # (n, c, out_size * k) positions along this axis, gathered from out and flat alike.
        positions = (starts[..., None] + mx.arange(k)).reshape(n, c, out_size * k)
        shape = [n, c] + [1] * spatial
        shape[2 + axis] = out_size * k
        positions = positions.reshape(shape)
        out = mx.take_along_axis(out, mx.broadcast_to(positions, out.shape[:2 + axis] + (out_size * k,) + out.shape[3 + axis:]), axis=2 + axis)
        flat = flat * size + positions
    # Windows: split each axis into (out_size, k), move the k's last, flatten them in order.
    split = [n, c]
    for out_size, k in zip(output_size, kernel):
        split += [out_size, k]
    out = out.reshape(split)
    flat = mx.broadcast_to(flat, out.shape[:2] + tuple(o * k for o, k in zip(output_size, kernel))).reshape(split)
    perm = [0, 1] + [2 + 2 * i for i in range(spatial)] + [3 + 2 * i for i in range(spatial)]
    windows = out.transpose(perm).reshape((n, c) + tuple(output_size) + (-1,))
    result = windows.max(axis=-1)
    if return_indices:
        at = mx.argmax(windows, axis=-1)[..., None]
        index = mx.take_along_axis(flat.transpose(perm).reshape((n, c) + tuple(output_size) + (-1,)), at, axis=-1)[..., 0]
        index = index.astype(mx.int64)
    if not batched:
        result, index = result[0], (index[0] if index is not None else None)
    return (result, index) if return_indices else result


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
    if p == 1:  # torch multiplies by zero (its affine map would divide by zero)
        return x * 0
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


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None, antialias=False):
    """F.interpolate (and F.upsample) on a channels-first (N, C, *S) array, one spatial axis
    after the other, with torch's coordinate mapping: the scale is in / out for `size` (and
    with recompute_scale_factor) and 1 / scale_factor otherwise; nearest picks floor(i *
    scale) (nearest-exact: floor((i + 0.5) * scale)); linear modes (linear, bilinear,
    trilinear) and bicubic sample at (i + 0.5) * scale - 0.5, or i * (in - 1) / (out - 1) with
    align_corners. torch's full signature, so `interpolate = F.interpolate` ports as a value;
    antialiased downsampling is not ported and raises."""
    spatial = input.ndim - 2
    if size is not None:
        sizes = _ntuple(size, spatial)
        scales = tuple(i / o for o, i in zip(sizes, input.shape[2:]))
    else:
        factors = _ntuple(scale_factor, spatial)
        sizes = tuple(int(math.floor(i * f)) for i, f in zip(input.shape[2:], factors))
        scales = tuple((i / o) if recompute_scale_factor else 1.0 / f for i, o, f in zip(input.shape[2:], sizes, factors))
    if mode not in ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "bicubic"):
        raise ValueError(f"interpolate: mode {mode!r} is not ported")
    if antialias and mode in ("bilinear", "bicubic") and any(o < i for o, i in zip(sizes, input.shape[2:])):
        raise NotImplementedError("interpolate: antialiased downsampling is not ported (MLX has no antialiasing filter)")
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


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    """F.gumbel_softmax: softmax((logits + Gumbel noise) / tau); `hard` gives one-hot samples
    whose gradient is the soft sample's (straight-through). `eps` is unused, as in torch."""
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


def batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """F.batch_norm on a channels-first (N, C, *S) array. Out of training the running
    statistics normalise each channel. In training the batch's do (variance biased), and the
    running statistics, when given, move towards the batch's (variance unbiased) in place, as
    torch's do: `a[...] = v` changes the array object every reference holds."""
    if training or running_mean is None or running_var is None:
        axes = (0,) + tuple(range(2, x.ndim))
        mean = x.mean(axis=axes)
        var = x.var(axis=axes)
        if training and running_mean is not None and running_var is not None:
            if momentum is None:
                raise NotImplementedError("F.batch_norm with momentum=None (a cumulative average) needs the number of batches seen: MLX's port keeps none")
            n = x.size // x.shape[1]
            running_mean[...] = (1 - momentum) * running_mean + momentum * mean
            running_var[...] = (1 - momentum) * running_var + momentum * var * (n / max(n - 1, 1))
    else:
        mean, var = running_mean, running_var
    y = (x - _per_channel(mean, x.ndim)) * mx.rsqrt(_per_channel(var, x.ndim) + eps)
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


def _average_pool_taking_count_include_pad(pool_class):
    """MLX's channels-last average pool, also taking torch's count_include_pad: without it, a
    window's average is over the elements inside the input only (MLX pads with zeros and
    counts them, as torch's default does). With ceil_mode, a last window that only partly
    covers the input is kept, as torch keeps it (timm's and ResNeSt's ResNet-D shortcut,
    `AvgPool2d(2, 2, ceil_mode=True, count_include_pad=False)`), averaging what it covers."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        pool_class.__init__(self, kernel_size, stride, padding)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad
        self.padding_sizes = _ntuple(padding, self.dims)
        if ceil_mode and count_include_pad and any(self.padding_sizes):
            raise NotImplementedError("average pooling with ceil_mode, padding and count_include_pad=True")

    def __call__(self, x):
        overhang = self._overhang(x.shape[-1 - self.dims : -1]) if self.ceil_mode else (0,) * self.dims
        if any(overhang):
            x = mx.pad(x, [(0, 0)] + [(0, extra) for extra in overhang] + [(0, 0)])
        y = pool_class.__call__(self, x)
        if (self.count_include_pad or not any(self.padding_sizes)) and not any(overhang):
            return y
        inside = mx.ones((1, *[n - extra for n, extra in zip(x.shape[1:-1], overhang)], 1), dtype=y.dtype)
        inside = mx.pad(inside, [(0, 0)] + [(0, extra) for extra in overhang] + [(0, 0)])
        return y / pool_class.__call__(self, inside)  # the share of each window inside the input

    def _overhang(self, sizes):
        """Per spatial axis, the zeros a last, partial window needs past the input's end:
        torch's ceil_mode counts it unless it would start in the padding past the end."""
        extras = []
        for size, k, s, p in zip(sizes, self._kernel_size, self._stride, self.padding_sizes):
            windows = -(-(size + 2 * p - k) // s) + 1
            if (windows - 1) * s >= size + p:
                windows -= 1
            extras.append(max(0, (windows - 1) * s + k - (size + 2 * p)))
        return tuple(extras)

    attributes = {"__init__": __init__, "__call__": __call__, "_overhang": _overhang, "__doc__": _average_pool_taking_count_include_pad.__doc__}
    return type(pool_class.__name__, (pool_class,), {**attributes, "dims": int(pool_class.__name__[-2])})


AvgPool1d = _average_pool_taking_count_include_pad(nn.AvgPool1d)
AvgPool2d = _average_pool_taking_count_include_pad(nn.AvgPool2d)
AvgPool3d = _average_pool_taking_count_include_pad(nn.AvgPool3d)


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


class MultiheadAttention(nn.Module):
    """nn.MultiheadAttention with torch's weights (in_proj_weight (3E, E), in_proj_bias,
    out_proj), call and results: (query, key, value) sequence-first unless batch_first (or
    unbatched (L, E)), key_padding_mask (N, S) and attn_mask (L, S) or (N*H, L, S), boolean
    (True: not attended) or additive, is_causal; returns (output, weights), the weights averaged
    over heads unless average_attn_weights=False, or None when need_weights=False. MLX's
    nn.MultiHeadAttention is batch-first, splits the projection and returns the output alone."""

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False):
        super().__init__()
        if add_bias_kv or add_zero_attn or kdim not in (None, embed_dim) or vdim not in (None, embed_dim):
            raise NotImplementedError("portui_shims.MultiheadAttention: add_bias_kv, add_zero_attn and "
                                      "kdim/vdim other than embed_dim are not ported")
        if embed_dim % num_heads:
            raise ValueError("embed_dim must be divisible by num_heads")
        self.num_heads, self.batch_first, self.dropout = num_heads, batch_first, dropout
        bound = math.sqrt(6.0 / (embed_dim + 3 * embed_dim))  # torch's xavier_uniform_
        self.in_proj_weight = mx.random.uniform(-bound, bound, (3 * embed_dim, embed_dim))
        if bias:
            self.in_proj_bias = mx.zeros((3 * embed_dim,))
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        if bias:
            self.out_proj.bias = mx.zeros((embed_dim,))

    def __call__(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                 average_attn_weights=True, is_causal=False):
        unbatched = query.ndim == 2
        if unbatched:
            query, key, value = (t[None] for t in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask[None]
        elif not self.batch_first:
            query, key, value = (mx.swapaxes(t, 0, 1) for t in (query, key, value))
        n, length, embed = query.shape
        source, heads = key.shape[1], self.num_heads
        w = self.in_proj_weight
        b = self.in_proj_bias if "in_proj_bias" in self else None

        def project(x, i):
            y = x @ w[i * embed:(i + 1) * embed].T
            y = y + b[i * embed:(i + 1) * embed] if b is not None else y
            return y.reshape(x.shape[0], x.shape[1], heads, embed // heads).transpose(0, 2, 1, 3)

        q, k, v = project(query, 0), project(key, 1), project(value, 2)
        scores = (q * (embed // heads) ** -0.5) @ k.transpose(0, 1, 3, 2)

        def additive(mask):
            return mx.where(mask, -mx.inf, 0.0) if mask.dtype == mx.bool_ else mask.astype(scores.dtype)

        if attn_mask is None and is_causal:
            attn_mask = mx.triu(mx.ones((length, source), dtype=mx.bool_), k=1)
        if attn_mask is not None:
            mask = additive(attn_mask)
            scores = scores + (mask.reshape(n, heads, length, source) if mask.ndim == 3 else mask)
        if key_padding_mask is not None:
            scores = scores + additive(key_padding_mask)[:, None, None, :]
        weights = mx.softmax(scores.astype(mx.float32), axis=-1, precise=True).astype(scores.dtype)
        if self.training and self.dropout > 0:
            weights = nn.Dropout(self.dropout)(weights)
        out = (weights @ v).transpose(0, 2, 1, 3).reshape(n, length, embed)
        out = self.out_proj(out)
        if unbatched:
            out, weights = out[0], weights[0]
        elif not self.batch_first:
            out = mx.swapaxes(out, 0, 1)
        if not need_weights:
            return out, None
        return out, weights.mean(axis=-3) if average_attn_weights else weights


# Losses the losses rule does not cover, with torch's formulas and reductions ("mean" by
# default where MLX's losses default to "none").
def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def legacy_reduction(size_average=None, reduce=None):
    """The reduction torch reads from a loss's legacy size_average=/reduce= given as run-time
    values (torch.nn._reduction.legacy_get_string): None counts as true; reduce false gives
    "none", else size_average true "mean", false "sum"."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    return "mean" if size_average and reduce else "sum" if reduce else "none"


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """F.binary_cross_entropy with torch's weight, which broadcasts against the loss (MLX's
    weights must have its exact shape); torch clamps each log at -100."""
    loss = -(target * mx.maximum(mx.log(input), -100) + (1 - target) * mx.maximum(mx.log(1 - input), -100))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):
    """F.binary_cross_entropy_with_logits with torch's broadcasting weight and pos_weight (the
    positive term's weight), as torch computes it: (1 - t) * x + (1 + (pos_weight - 1) * t) *
    softplus(-x)."""
    log_weight = 1 if pos_weight is None else 1 + (pos_weight - 1) * target
    loss = (1 - target) * input + log_weight * mx.logaddexp(0, -input)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


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


# --- torch.hub and torch.utils.model_zoo: downloads and checkpoints (API table) ---

import os as _os  # noqa: E402
import pickle as _pickle  # noqa: E402
import zipfile as _zipfile  # noqa: E402


def torch_home():
    """torch.hub._get_torch_home: $TORCH_HOME, else $XDG_CACHE_HOME/torch (~/.cache/torch), as
    torch computes it, so a port finds the files the original downloaded."""
    cache = _os.getenv("XDG_CACHE_HOME", _os.path.join("~", ".cache"))
    return _os.path.expanduser(_os.getenv("TORCH_HOME", _os.path.join(cache, "torch")))


def hub_dir():
    """torch.hub.get_dir: where torch hub keeps its downloads (TORCH_HOME/hub)."""
    return _os.path.join(torch_home(), "hub")


_STORAGE_DTYPES = {
    "DoubleStorage": "float64", "FloatStorage": "float32", "HalfStorage": "float16",
    "BFloat16Storage": "bfloat16", "LongStorage": "int64", "IntStorage": "int32",
    "ShortStorage": "int16", "CharStorage": "int8", "ByteStorage": "uint8", "BoolStorage": "bool",
}


class _TorchCheckpointReader(_pickle.Unpickler):
    """Reads the zip checkpoints torch.save writes (torch >= 1.6) without torch: the pickle
    names tensor storages and how tensors view them; storages are raw files in the archive."""

    def __init__(self, archive, prefix, file):
        super().__init__(file)
        self.archive, self.prefix, self.storages = archive, prefix, {}

    def find_class(self, module, name):
        if module == "torch._utils" and name in ("_rebuild_tensor", "_rebuild_tensor_v2"):
            return self.rebuild_tensor
        if module == "torch._utils" and name == "_rebuild_parameter":
            return lambda data, requires_grad, hooks, *rest: data
        if module == "torch" and name in _STORAGE_DTYPES:
            return _STORAGE_DTYPES[name]
        if module == "collections" and name == "OrderedDict":
            return _collections.OrderedDict
        if module.startswith("torch"):
            raise _pickle.UnpicklingError(f"the checkpoint holds a torch object ({module}.{name}) that cannot be read without torch; convert it with `portui convert-weights`")
        return super().find_class(module, name)

    def persistent_load(self, pid):
        kind, dtype, key = pid[0], pid[1], pid[2]
        if kind != "storage":
            raise _pickle.UnpicklingError(f"unknown persistent id {kind!r}")
        if key not in self.storages:
            raw = self.archive.read(f"{self.prefix}/data/{key}")
            if dtype == "bfloat16":  # numpy has no bfloat16: keep the bits, view them in MLX
                self.storages[key] = ("bfloat16", _np.frombuffer(raw, dtype=_np.uint16))
            else:
                self.storages[key] = (dtype, _np.frombuffer(raw, dtype=_np.dtype(dtype).newbyteorder("<")))
        return self.storages[key]

    @staticmethod
    def rebuild_tensor(storage, offset, size, stride, *rest):
        dtype, flat = storage
        view = _np.lib.stride_tricks.as_strided(flat[offset:], shape=tuple(size), strides=tuple(s * flat.itemsize for s in stride))
        array = mx.array(_np.ascontiguousarray(view))
        return array.view(mx.bfloat16) if dtype == "bfloat16" else array


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check="default", debug=False, preserve_rng_state=True, **kwargs):
    """torch.utils.checkpoint.checkpoint: the numbers of function(*args, **kwargs); torch
    recomputes the activations in the backward pass to save memory. A module is checkpointed
    as MLX does it (nn.utils.checkpoint recomputes with respect to its parameters); another
    function is called as it is, without the memory saving."""
    if isinstance(function, nn.Module):
        return nn.utils.checkpoint(function)(*args, **kwargs)
    return function(*args, **kwargs)


def load_checkpoint(path):
    """A checkpoint file as torch.load reads it, with mx.arrays for tensors: safetensors and
    MLX's formats through mx.load, torch.save's zip format through a reader that needs no
    torch. torch's older (pre-1.6) format is refused with what to do."""
    with open(path, "rb") as f:
        head = f.read(4)
    if not _zipfile.is_zipfile(path):
        if head[:1] == b"\x80":
            raise ValueError(f"{path}: torch's legacy checkpoint format (before torch 1.6) is not read without torch; convert it with `portui convert-weights`")
        return mx.load(path)
    with _zipfile.ZipFile(path) as archive:
        pickles = [name for name in archive.namelist() if name.endswith("/data.pkl")]
        if not pickles:
            return mx.load(path)  # .npz
        prefix = pickles[0][: -len("/data.pkl")]
        with archive.open(pickles[0]) as file:
            return _TorchCheckpointReader(archive, prefix, file).load()


def load_state_dict_from_url(url, model_dir=None, map_location=None, progress=True, check_hash=False, file_name=None, weights_only=False):
    """torch.hub.load_state_dict_from_url: downloads url into model_dir (TORCH_HOME/hub/checkpoints,
    where torch keeps them, so files torch downloaded are reused) unless it is there, and reads
    it (load_checkpoint). Tensors come back as mx.arrays with torch's names and layouts: a
    module of the port loads them through its weights map (portui-weights.json)."""
    import urllib.parse
    import urllib.request

    model_dir = model_dir or _os.path.join(hub_dir(), "checkpoints")
    _os.makedirs(model_dir, exist_ok=True)
    path = _os.path.join(model_dir, file_name or _os.path.basename(urllib.parse.urlparse(url).path))
    if not _os.path.exists(path):
        partial = path + ".partial"
        with urllib.request.urlopen(url) as response, open(partial, "wb") as out:
            while chunk := response.read(1 << 20):
                out.write(chunk)
        if check_hash:
            import hashlib
            import re

            expected = re.search(r"-([a-f0-9]*)\.", _os.path.basename(path))
            with open(partial, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            if expected and not digest.startswith(expected.group(1)):
                _os.remove(partial)
                raise RuntimeError(f'invalid hash value (expected "{expected.group(1)}", got "{digest}")')
        _os.replace(partial, path)
    return load_checkpoint(path)


# --- max pooling with torch's ceil_mode (API table) ---


def _ceil_padded(x, kernel, stride, padding, value):
    """x (N, *spatial, C) padded with `value` so that MLX's pooling, which rounds the number of
    windows down, gives the windows torch's ceil_mode gives: one more where the input's end
    is not covered, except a window that would start in the padding after the input."""
    widths, crop = [(0, 0)], [slice(None)]
    for axis, (k, s, p) in enumerate(zip(kernel, stride, padding), start=1):
        size = x.shape[axis]
        out = -(-(size + 2 * p - k) // s) + 1
        if (out - 1) * s >= size + p:
            out -= 1
        high = (out - 1) * s + k - size - p
        widths.append((p, max(high, 0)))
        crop.append(slice(0, size + min(high, 0)))
    widths.append((0, 0))
    crop.append(slice(None))
    return mx.pad(x[tuple(crop)], widths, constant_values=value)


def _ceil_mode_pool(base):
    """base, an MLX max pooling layer (channels-last), with torch's ceil_mode; same class name."""

    class Pool(base):
        def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False):
            super().__init__(kernel_size, stride, padding)
            self._ceil_mode = ceil_mode
            self._torch_padding = [p for p, _ in self._padding]
            if ceil_mode:
                self._padding = [(0, 0)] * len(self._padding)

        def __call__(self, x):
            if self._ceil_mode:
                x = _ceil_padded(x, self._kernel_size, self._stride, self._torch_padding, self._padding_value)
            return super().__call__(x)

    Pool.__name__ = Pool.__qualname__ = base.__name__
    Pool.__doc__ = f"nn.{base.__name__} with torch's ceil_mode (channels-last input, as MLX's)."
    return Pool


MaxPool1d = _ceil_mode_pool(nn.MaxPool1d)
MaxPool2d = _ceil_mode_pool(nn.MaxPool2d)
MaxPool3d = _ceil_mode_pool(nn.MaxPool3d)


# --- layer classes as values (layers rule) ---

_IGNORING = {}


def ignoring_arguments(layer_class):
    """layer_class, taking and ignoring torch's constructor arguments that mean nothing in MLX
    (`inplace=True`), for a torch layer class passed as a value and built elsewhere
    (`activation_layer(inplace=True)`). A subclass of the same name, made once per class."""
    wrapped = _IGNORING.get(layer_class)
    if wrapped is None:

        def __init__(self, *args, **kwargs):
            layer_class.__init__(self)

        wrapped = type(layer_class.__name__, (layer_class,), {"__init__": __init__, "__doc__": ignoring_arguments.__doc__})
        _IGNORING[layer_class] = wrapped
    return wrapped


def calculate_fan_in_and_fan_out(tensor):
    """torch.nn.init._calculate_fan_in_and_fan_out on MLX's layouts: a Linear weight (O, I)
    as torch's; a conv weight is (O, *k, I) in MLX, (O, I, *k) in torch, so the receptive field
    is the axes between the first and the last."""
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive_field = math.prod(tensor.shape[1:-1])
    return tensor.shape[-1] * receptive_field, tensor.shape[0] * receptive_field


# --- nn.init.trunc_normal_ (init rule) ---


def trunc_normal(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """nn.init.trunc_normal_'s values, as a new array of tensor's shape and dtype: N(mean, std)
    cut to [a, b]. torch's bounds are absolute values; mx.random.truncated_normal's are in
    standard deviations of a standard normal."""
    low, high = (a - mean) / std, (b - mean) / std
    return mean + std * mx.random.truncated_normal(low, high, tensor.shape, dtype=tensor.dtype)


# --- torch.nn.utils weight norm (API table) ---
# torch recomputes a weight-normed layer's weight from a magnitude g and a direction v before
# every call: weight = g * v / ||v||, the norm over every axis but `dim`. The parametrizations
# form keeps g and v as `parametrizations.<name>.original0/1`, the older torch.nn.utils form as
# `<name>_g`/`<name>_v`; the shims keep each form's names, so torch's checkpoint loads as it is.

_WEIGHT_NORMED = {}


def weight_norm(module, name="weight", dim=0):
    """torch.nn.utils.parametrizations.weight_norm: module, with `name` computed from
    `parametrizations.<name>.original0` (g) and `.original1` (v)."""
    return _weight_norm(module, name, dim, legacy=False)


def legacy_weight_norm(module, name="weight", dim=0):
    """torch.nn.utils.weight_norm (deprecated in torch): module, with `name` computed from
    `<name>_g` and `<name>_v`."""
    return _weight_norm(module, name, dim, legacy=True)


def _weight_norm_axes(module, ndim, dim):
    """The MLX axes the norm runs over, for torch's `dim` counted in torch's layout: a conv
    weight (O, I, *k) is (O, *k, I) in MLX, a transposed conv's (I, O, *k) is (O, *k, I).
    None: every axis (torch's dim=None and dim=-1)."""
    if dim is None or dim == -1:
        return None
    if isinstance(module, (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)):
        to_mlx = [ndim - 1, 0] + list(range(1, ndim - 1))
    elif isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
        to_mlx = [0, ndim - 1] + list(range(1, ndim - 1))
    else:
        to_mlx = list(range(ndim))
    kept = to_mlx[dim % ndim]
    return tuple(axis for axis in range(ndim) if axis != kept)


def _norm_over(v, axes):
    return mx.sqrt(mx.sum(mx.square(v), axis=axes, keepdims=axes is not None))


class _WeightNormed:
    """Mixed in before a weight-normed layer's class: the weight exists during a call (so the
    layer's own code reads it) and is computed when read outside one. Assigning it changes
    nothing: in torch the weight is computed from g and v at each call, so an initialiser
    filling it in place (`nn.init.normal_(m.weight)`, which a port assigns back) leaves g and v
    as they are."""

    def _portui_g_v(self, name):
        if name + "_g" in self:
            return self[name + "_g"], self[name + "_v"]
        stored = self["parametrizations"][name]
        return stored["original0"], stored["original1"]

    def _portui_weight(self, name):
        g, v = self._portui_g_v(name)
        return v * (g / _norm_over(v, self._portui_weight_norm[name]))

    def __call__(self, *args, **kwargs):
        names = list(self._portui_weight_norm)
        for name in names:
            self[name] = self._portui_weight(name)
        try:
            return super().__call__(*args, **kwargs)
        finally:
            for name in names:
                del self[name]

    def __getattr__(self, key):
        if key in self.__dict__.get("_portui_weight_norm", {}) and key not in self:
            return self._portui_weight(key)
        return super().__getattr__(key)

    def __setattr__(self, key, value):
        if key not in self.__dict__.get("_portui_weight_norm", {}):
            super().__setattr__(key, value)


def _weight_norm(module, name, dim, legacy):
    weight = module[name]
    axes = _weight_norm_axes(module, weight.ndim, dim)
    normed = dict(module.__dict__.get("_portui_weight_norm", {}))
    normed[name] = axes
    object.__setattr__(module, "_portui_weight_norm", normed)
    base = type(module)
    if not issubclass(base, _WeightNormed):
        cls = _WEIGHT_NORMED.get(base)
        if cls is None:
            cls = type(base.__name__, (_WeightNormed, base), {"__doc__": base.__doc__})
            _WEIGHT_NORMED[base] = cls
        module.__class__ = cls
    del module[name]
    if legacy:
        module[name + "_g"], module[name + "_v"] = _norm_over(weight, axes), weight
    else:
        module.setdefault("parametrizations", {})[name] = {"original0": _norm_over(weight, axes), "original1": weight}
    return module


def remove_weight_norm(module, name="weight"):
    """torch.nn.utils.remove_weight_norm: the weight computed once from `<name>_g` and
    `<name>_v` (torch.nn.utils.weight_norm's) becomes a plain parameter again, and the layer its
    own class again once no weight of it is normed."""
    normed = dict(module.__dict__.get("_portui_weight_norm", {}))
    if name not in normed or name + "_g" not in module:
        raise ValueError(f"weight_norm of '{name}' not found in {module}")
    weight = module._portui_weight(name)
    del module[name + "_g"]
    del module[name + "_v"]
    del normed[name]
    object.__setattr__(module, "_portui_weight_norm", normed)
    if not normed:
        module.__class__ = next(c for c in type(module).__bases__ if c is not _WeightNormed)
    module[name] = weight
    return module


# --- nn.init initialisers held as values (API table) ---
# `kernel_init_fn = dict(xavier_uniform=nn.init.xavier_uniform_, ...)`, called later as
# `init(layer.weight)`: torch fills the tensor in place. An mx.array assigned through
# `tensor[...] = values` changes in place too, so a module's parameter passed here takes the new
# values. Fans are read off MLX's layout ((O, *k, I) for a conv weight, (O, I) for a linear
# one): fan_in = I * prod(k), fan_out = O * prod(k), as torch reads them off (O, I, *k).


def _fans(tensor):
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive = math.prod(tensor.shape[1:-1])
    return tensor.shape[-1] * receptive, tensor.shape[0] * receptive


def _fill(tensor, values):
    tensor[...] = values.astype(tensor.dtype)
    return tensor


def zeros_(tensor):
    return _fill(tensor, mx.zeros(tensor.shape))


def ones_(tensor):
    return _fill(tensor, mx.ones(tensor.shape))


def constant_(tensor, val):
    return _fill(tensor, mx.full(tensor.shape, val))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    return _fill(tensor, mean + std * mx.random.normal(tensor.shape))


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    return _fill(tensor, mx.random.uniform(a, b, tensor.shape))


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    return _fill(tensor, trunc_normal(tensor, mean, std, a, b))


def xavier_uniform_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = _fans(tensor)
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / (fan_in + fan_out))
    return _fill(tensor, mx.random.uniform(-bound, bound, tensor.shape))


def xavier_normal_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = _fans(tensor)
    return _fill(tensor, gain * math.sqrt(2.0 / (fan_in + fan_out)) * mx.random.normal(tensor.shape))


def _kaiming_std(tensor, a, mode, nonlinearity):
    fan_in, fan_out = _fans(tensor)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    return calculate_gain(nonlinearity, a) / math.sqrt(fan_in if mode == "fan_in" else fan_out)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return _fill(tensor, mx.random.uniform(-bound, bound, tensor.shape))


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    return _fill(tensor, _kaiming_std(tensor, a, mode, nonlinearity) * mx.random.normal(tensor.shape))


def eye_(tensor):
    """torch.nn.init.eye_: the identity of a 2-D array's shape, in place."""
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _fill(tensor, mx.eye(*tensor.shape))


def orthogonal_(tensor, gain=1, generator=None):
    """torch.nn.init.orthogonal_: torch's algorithm (the Q of a normal matrix's QR, its columns'
    signs fixed by R's diagonal, rows = shape[0] over the rest flattened), in place. The rows are
    orthonormal whatever order the other axes come in, so MLX's conv layout changes nothing."""
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.size == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.size // rows
    flat = mx.random.normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = mx.linalg.qr(flat, stream=mx.cpu)
    q = q * mx.sign(mx.diagonal(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(tensor.shape))


# --- layers under names starting with `_` (private-names rule) ---
# MLX leaves attributes named `_x` out of a module's parameters; torch registers `self._bn0 =
# nn.BatchNorm2d(...)` whatever its name. MLX's filter is widened once, for the names a class
# marked by torch_private_names lists, on instances of that class only: every other module
# keeps MLX's rule.

_mlx_valid_parameter_filter = nn.Module.valid_parameter_filter


def _valid_parameter_filter(module, key, value):
    if key.startswith("_") and key.split(".", 1)[0] in getattr(type(module), "_portui_torch_private", ()):
        return isinstance(value, (dict, list, mx.array))
    return _mlx_valid_parameter_filter(module, key, value)


nn.Module.valid_parameter_filter = staticmethod(_valid_parameter_filter)


def torch_private_names(*names):
    """Class decorator: these attributes (`_bn0`, `_blocks`) are parameters and submodules, as
    torch registers them; a subclass keeps its bases' names."""

    def mark(cls):
        cls._portui_torch_private = frozenset(names) | getattr(cls, "_portui_torch_private", frozenset())
        return cls

    return mark


# --- torch's layers, for subclasses (layers rule) ---
# `class Conv2dSame(nn.Conv2d)`, `class TemporalConv1d(nn.Conv1d)`, `class LayerNorm2d(nn.
# LayerNorm)`: a subclass reads torch's attributes (self.stride as a tuple, self.weight.shape
# [-2:] as (kH, kW), self.normalized_shape) and calls F.conv2d, F.max_pool2d or F.layer_norm
# with them. Its base is then torch's layer rebuilt on mx: torch's attribute names and types,
# torch's weight layout (so a checkpoint loads as it is) and channels-first maps.


class _TorchConv(nn.Module):
    dims = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        n = self.dims
        self.in_channels, self.out_channels, self.groups, self.padding_mode = in_channels, out_channels, groups, padding_mode
        self.kernel_size, self.stride, self.dilation = _ntuple(kernel_size, n), _ntuple(stride, n), _ntuple(dilation, n)
        self.padding = padding if isinstance(padding, str) else _ntuple(padding, n)
        # torch's default initialisation: kaiming_uniform_(a=sqrt(5)) bounds both by 1/sqrt(fan_in).
        bound = 1 / math.sqrt(in_channels // groups * math.prod(self.kernel_size))
        self.weight = mx.random.uniform(-bound, bound, (out_channels, in_channels // groups, *self.kernel_size))
        self.bias = mx.random.uniform(-bound, bound, (out_channels,)) if bias else None

    def _conv_forward(self, input, weight, bias):
        if self.padding_mode != "zeros":
            amounts = [p for p in reversed(self.padding) for _ in range(2)]
            return conv(pad(input, amounts, mode=self.padding_mode), weight, bias, self.stride, 0, self.dilation, self.groups)
        return conv(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def __call__(self, input):
        return self._conv_forward(input, self.weight, self.bias)


class TorchConv1d(_TorchConv):
    """torch.nn.Conv1d on mx, for a subclass: (N, C, L) maps, (O, I / groups, k) weight."""
    dims = 1


class TorchConv2d(_TorchConv):
    """torch.nn.Conv2d on mx, for a subclass: (N, C, H, W) maps, (O, I / groups, kH, kW) weight."""
    dims = 2


class TorchConv3d(_TorchConv):
    """torch.nn.Conv3d on mx, for a subclass: (N, C, D, H, W) maps, (O, I / groups, kD, kH, kW) weight."""
    dims = 3


def max_pool(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False, dims=2):
    """F.max_pool1d/2d/3d on torch's channels-first input. MLX's pooling has no dilation and
    no indices: other than dilation 1 without indices, it raises rather than compute
    something else."""
    if any(d != 1 for d in _ntuple(dilation, dims)):
        raise NotImplementedError(f"max pooling with dilation {dilation}: MLX's pooling has no dilation")
    if return_indices:
        raise NotImplementedError("max pooling with return_indices=True: MLX's pooling gives no indices")
    pool = {1: MaxPool1d, 2: MaxPool2d, 3: MaxPool3d}[dims]
    stride = kernel_size if stride is None or stride == [] else stride
    layer = pool(_ntuple(kernel_size, dims), _ntuple(stride, dims), _ntuple(padding, dims), ceil_mode=ceil_mode)
    return channels_first(layer, input, dims)


def avg_pool(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None, dims=2):
    """F.avg_pool1d/2d/3d on torch's channels-first input, with torch's count_include_pad and
    divisor_override. MLX's pooling rounds the number of windows down: ceil_mode raises
    rather than compute something else."""
    if ceil_mode:
        raise NotImplementedError("average pooling with ceil_mode=True: MLX's pooling rounds down")
    pool = {1: nn.AvgPool1d, 2: nn.AvgPool2d, 3: nn.AvgPool3d}[dims]
    kernel = _ntuple(kernel_size, dims)
    stride = kernel if stride is None or stride == [] else _ntuple(stride, dims)
    padding = _ntuple(padding, dims)
    layer = pool(kernel, stride, padding)
    y = channels_first(layer, input, dims)  # zeros padded and counted, as count_include_pad
    if divisor_override is not None:
        return y * (math.prod(kernel) / divisor_override)
    if not count_include_pad and any(padding):
        batched = input.ndim == dims + 2
        ones = mx.ones((1, 1, *input.shape[-dims:]) if batched else (1, *input.shape[-dims:]), dtype=y.dtype)
        y = y / channels_first(layer, ones, dims)  # the share of each window inside the input
    return y


# F.max_pool1d/2d/3d and F.avg_pool1d/2d/3d named as values (`pool = F.avg_pool2d`): torch's
# parameters, in torch's order, at the rank of the name.
max_pool1d, max_pool2d, max_pool3d = (functools.partial(max_pool, dims=n) for n in (1, 2, 3))
avg_pool1d, avg_pool2d, avg_pool3d = (functools.partial(avg_pool, dims=n) for n in (1, 2, 3))


class _TorchMaxPool(nn.Module):
    dims = 2

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation, self.return_indices, self.ceil_mode = padding, dilation, return_indices, ceil_mode

    def __call__(self, input):
        return max_pool(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode, self.return_indices, self.dims)


class TorchMaxPool1d(_TorchMaxPool):
    """torch.nn.MaxPool1d on mx, for a subclass: (N, C, L) maps."""
    dims = 1


class TorchMaxPool2d(_TorchMaxPool):
    """torch.nn.MaxPool2d on mx, for a subclass: (N, C, H, W) maps."""
    dims = 2


class TorchLayerNorm(nn.Module):
    """torch.nn.LayerNorm on mx, for a subclass: normalized_shape a tuple, weight and bias
    None without elementwise_affine, over the last len(normalized_shape) axes."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
        super().__init__()
        self.normalized_shape = _ntuple(normalized_shape, 1)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        self.weight = mx.ones(self.normalized_shape) if elementwise_affine else None
        self.bias = mx.zeros(self.normalized_shape) if elementwise_affine and bias else None

    def __call__(self, input):
        return layer_norm_over(input, self.normalized_shape, self.weight, self.bias, self.eps)


# --- torch.cat as a value; attention kernel choice; torch's version (API table, dtypes rule) ---


def cat(tensors, dim=0, *, out=None):
    """torch.cat under torch's parameter names, for a reference to it (`partial(torch.cat,
    dim=-2)`)."""
    return mx.concatenate(list(tensors), axis=dim)


class SDPBackend(enum.IntEnum):
    """torch.nn.attention.SDPBackend: the names (and numbers) of torch's attention kernels.
    MLX picks the kernel of mx.fast.scaled_dot_product_attention itself, so they select
    nothing in a port."""

    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4


def sdpa_kernel(*args, **kwargs):
    """torch.nn.attention.sdpa_kernel / torch.backends.cuda.sdp_kernel: a context that
    changes nothing, as MLX picks its attention kernel itself."""
    return contextlib.nullcontext()


# The torch whose API portui's table describes (the rewrites are checked against it): a check
# of torch's version in a port takes the branch that torch takes.
TORCH_VERSION = "2.15.0"


def _softmax_axis(x, dim):
    """dim, or without one the axis torch picks by the input's rank (0 for 0-, 1- and 3-D
    input, else 1; deprecated)."""
    return (0 if x.ndim in (0, 1, 3) else 1) if dim is None else dim


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """F.softmax as a function value (`partial(F.softmax, dim=-1)`): torch's parameters."""
    x = input if dtype is None else input.astype(dtype)
    return mx.softmax(x, axis=_softmax_axis(x, dim))


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """F.log_softmax as a function value: torch's parameters."""
    x = input if dtype is None else input.astype(dtype)
    return nn.log_softmax(x, axis=_softmax_axis(x, dim))


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """F.softmin as a function value: torch's parameters."""
    x = input if dtype is None else input.astype(dtype)
    return nn.softmin(x, axis=_softmax_axis(x, dim))


def hardsigmoid(input, inplace=False):
    """torch's hardsigmoid, relu6(x + 3) / 6, as a function value (`act = F.hardsigmoid`)."""
    return nn.relu6(input + 3) / 6


class FrozenBatchNorm2d(nn.Module):
    """torchvision.ops.misc.FrozenBatchNorm2d on channels-last maps (N, H, W, C): batch norm
    with fixed statistics and affine parameters. All four are saved under torch's names and
    none is trained (frozen), as torch keeps them as buffers."""

    def __init__(self, num_features, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = mx.ones((num_features,))
        self.bias = mx.zeros((num_features,))
        self.running_mean = mx.zeros((num_features,))
        self.running_var = mx.ones((num_features,))
        self.freeze()

    def __call__(self, x):
        scale = self.weight * mx.rsqrt(self.running_var + self.eps)
        return x * scale + (self.bias - self.running_mean * scale)


class Hardsigmoid(nn.Module):
    """torch.nn.Hardsigmoid: relu6(x + 3) / 6 (MLX has no hard-sigmoid layer)."""

    def __init__(self, inplace=False):
        super().__init__()

    def __call__(self, x):
        return hardsigmoid(x)


def always_true(*args, **kwargs):
    """torch.is_grad_enabled named as a value: MLX has no grad mode, and any computation may be
    differentiated (by mx.grad or nn.value_and_grad)."""
    return True


def always_false(*args, **kwargs):
    """torch.compiler.is_compiling, torch.jit.is_tracing and the like named as values (`probe =
    getattr(torch.compiler, "is_compiling", None)`): MLX has no torch.compile, dynamo,
    torch.export, TorchScript or oneDNN, so nothing ever runs under them."""
    return False


def compiler_disable(fn=None, recursive=True, *, reason=None):
    """torch.compiler.disable: keeps a function out of torch.compile. MLX compiles only what
    mx.compile is given, so the function is returned as it is (or, without one, a decorator
    that does so)."""
    if fn is None:
        return lambda f: f
    return fn


def get_autocast_dtype(device_type):
    """torch.get_autocast_dtype: the dtype torch's autocast uses by default on a device type,
    bfloat16 on the CPU and Gaudi (hpu), float16 elsewhere. The port has no autocast, so this is
    only the dtype a port casts to where torch's code asks for it."""
    return mx.bfloat16 if device_type in ("cpu", "hpu") else mx.float16


# --- torch.utils._pytree (API table) ---
# torch's containers of leaves: lists, tuples (named ones too) and dicts are nodes, anything
# else (None included) a leaf; a dict's leaves come in its keys' order, as torch's.


def pytree_flatten(tree, is_leaf=None):
    """torch.utils._pytree.tree_flatten: (leaves, spec); pytree_unflatten takes them back."""
    leaves = []

    def spec(node):
        if is_leaf is not None and is_leaf(node):
            leaves.append(node)
            return None
        if isinstance(node, (list, tuple)):
            return (type(node), None, [spec(child) for child in node])
        if isinstance(node, dict):
            keys = list(node)
            return (type(node), keys, [spec(node[k]) for k in keys])
        leaves.append(node)
        return None

    return leaves, spec(tree)


def pytree_unflatten(leaves, treespec):
    """torch.utils._pytree.tree_unflatten: the tree of `treespec` holding `leaves` in order."""
    items = iter(leaves)

    def build(spec):
        if spec is None:
            return next(items)
        kind, keys, children = spec
        built = [build(child) for child in children]
        if keys is not None:
            return kind(zip(keys, built))
        if hasattr(kind, "_fields"):  # a namedtuple takes its fields as arguments
            return kind(*built)
        return kind(built)

    return build(treespec)


# --- torch.autograd.Function (API table) ---


class FunctionCtx:
    """The `ctx` a torch.autograd.Function's forward and backward share: saved arrays and
    any attribute forward sets. Marks that only steer torch's autograd are accepted and
    ignored."""

    def save_for_backward(self, *tensors):
        self.saved_tensors = tensors

    def mark_non_differentiable(self, *tensors):
        pass

    def mark_dirty(self, *tensors):
        pass

    def set_materialize_grads(self, value):
        pass

    def mark_shared_storage(self, *pairs):
        pass


class Function:
    """torch.autograd.Function: a subclass's static `forward(ctx, *args)` and `backward(ctx,
    *grads)`, run through mx.custom_function by `apply`. Arrays among the arguments are
    differentiated (backward's None means zeros); the others are constants. The vjp runs
    forward again on a fresh ctx for what it saved, as the forward pass and the vjp are traced
    apart. The newer style (forward without ctx, and setup_context) is supported too."""

    @classmethod
    def apply(cls, *args):
        at = [i for i, a in enumerate(args) if isinstance(a, mx.array)]

        def merged(arrays):
            full = list(args)
            for i, a in zip(at, arrays):
                full[i] = a
            return full

        def forward(ctx, arrays):
            inputs = merged(arrays)
            ctx.needs_input_grad = tuple(isinstance(a, mx.array) for a in inputs)
            if hasattr(cls, "setup_context"):  # the newer style: forward takes no ctx
                output = cls.forward(*inputs)
                cls.setup_context(ctx, tuple(inputs), output)
                return output
            return cls.forward(ctx, *inputs)

        @mx.custom_function
        def run(*arrays):
            return forward(FunctionCtx(), arrays)

        @run.vjp
        def run_vjp(primals, cotangents, outputs):
            single = not isinstance(primals, (list, tuple))
            primals = (primals,) if single else primals
            ctx = FunctionCtx()
            forward(ctx, primals)
            grads = cls.backward(ctx, *(cotangents if isinstance(cotangents, (list, tuple)) else (cotangents,)))
            grads = grads if isinstance(grads, tuple) else (grads,)
            out = tuple(mx.zeros_like(primals[k]) if grads[i] is None else grads[i] for k, i in enumerate(at))
            return out[0] if single else out

        return run(*[args[i] for i in at])


# --- census entries (API table) ---


def _autograd_tuple(value):
    """torch.autograd.functional's inputs and outputs: a tensor or a tuple of them."""
    return (list(value), True) if isinstance(value, (tuple, list)) else ([value], False)


def autograd_vjp(func, inputs, v=None, strict=False):
    """torch.autograd.functional.vjp: (func(*inputs), v^T J), each shaped as torch returns it
    (a tuple where the inputs or the outputs are one). Without v, func's output must have one
    element, as torch requires."""
    primals, inputs_tuple = _autograd_tuple(inputs)

    def flat(*args):
        return _autograd_tuple(func(*args))[0]

    outputs, outputs_tuple = _autograd_tuple(func(*primals))
    if v is None:
        if any(o.size != 1 for o in outputs):
            raise RuntimeError("The vector v can only be None if the user-provided function returns a single Tensor with a single element.")
        cotangents = [mx.ones_like(o) for o in outputs]
    else:
        cotangents = _autograd_tuple(v)[0]
    outputs, grads = mx.vjp(flat, primals, cotangents)
    return (tuple(outputs) if outputs_tuple else outputs[0]), (tuple(grads) if inputs_tuple else grads[0])


def autograd_jvp(func, inputs, v=None, strict=False):
    """torch.autograd.functional.jvp: (func(*inputs), J v), shaped as torch returns them.
    Without v, the input must have one element, as torch requires."""
    primals, _ = _autograd_tuple(inputs)

    def flat(*args):
        return _autograd_tuple(func(*args))[0]

    if v is None:
        if any(p.size != 1 for p in primals):
            raise RuntimeError("The vector v can only be None if the input to the user-provided function is a single Tensor with a single element.")
        tangents = [mx.ones_like(p) for p in primals]
    else:
        tangents = _autograd_tuple(v)[0]
    _, outputs_tuple = _autograd_tuple(func(*primals))
    outputs, jvps = mx.jvp(flat, primals, tangents)
    if outputs_tuple:
        return tuple(outputs), tuple(jvps)
    return outputs[0], jvps[0]


def autograd_jacobian(func, inputs, strict=False):
    """torch.autograd.functional.jacobian: for each output and each input, an array of shape
    output.shape + input.shape (nested in tuples where torch nests them), from one
    vector-Jacobian product per output element (mx.vmap over the rows of the identity)."""
    primals, inputs_tuple = _autograd_tuple(inputs)

    def flat(*args):
        return _autograd_tuple(func(*args))[0]

    outputs, outputs_tuple = _autograd_tuple(func(*primals))
    result = []
    for k, out in enumerate(outputs):

        def row(e, k=k, out=out):
            cotangents = [mx.zeros_like(o) for o in outputs]
            cotangents[k] = e.reshape(out.shape)
            return mx.vjp(flat, primals, cotangents)[1]

        rows = mx.vmap(row)(mx.eye(out.size, dtype=out.dtype))
        per_input = tuple(r.reshape(tuple(out.shape) + tuple(p.shape)) for r, p in zip(rows, primals))
        result.append(per_input if inputs_tuple else per_input[0])
    return tuple(result) if outputs_tuple else result[0]


def autograd_hessian(func, inputs, strict=False):
    """torch.autograd.functional.hessian: the Jacobian of the gradient of a function with one
    output element; for tuple inputs, H[i][j] of shape inputs[i].shape + inputs[j].shape."""
    primals, inputs_tuple = _autograd_tuple(inputs)
    argnums = list(range(len(primals))) if inputs_tuple else 0

    def gradient(*args):
        grads = mx.grad(lambda *a: func(*a).sum(), argnums=argnums)(*args)
        if not inputs_tuple:
            return grads
        return grads if isinstance(grads, tuple) else (grads,)

    return autograd_jacobian(gradient, tuple(primals) if inputs_tuple else primals[0], strict=strict)


def named_parameters(module, prefix="", recurse=True, remove_duplicate=True):
    """nn.Module.named_parameters over an MLX module, in torch's order: each module's own
    trainable arrays in the order they were set, then its children's, depth first, under
    torch's dotted names (a list ported from a ModuleList or ParameterList numbers its items).
    MLX cannot tell a frozen parameter (torch's requires_grad=False) from a buffer: frozen
    arrays are left out, as trainable_parameters() leaves them."""
    seen = set()

    def walk(items, prefix, frozen):
        items = [(str(k), v) for k, v in items if not str(k).startswith("_") and k not in frozen]
        for key, value in items:
            if isinstance(value, mx.array) and not (remove_duplicate and id(value) in seen):
                seen.add(id(value))
                yield prefix + key, value
        if not recurse:
            return
        for key, value in items:
            if isinstance(value, nn.Module):
                yield from walk(value.items(), f"{prefix}{key}.", value._no_grad)
            elif isinstance(value, (list, tuple)):
                yield from walk(enumerate(value), f"{prefix}{key}.", ())
            elif isinstance(value, dict):
                yield from walk(value.items(), f"{prefix}{key}.", ())

    yield from walk(module.items(), f"{prefix}." if prefix else "", module._no_grad)


def _child_modules(value):
    """The (name, child) pairs torch lists as a module's children, in an MLX port: modules, and
    the lists a ModuleList or ParameterList became (non-empty, of modules or arrays)."""
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, child in items:
        key = str(key)
        if key.startswith("_"):
            continue
        if isinstance(child, nn.Module) or (
            isinstance(child, (list, tuple)) and child and all(isinstance(c, (nn.Module, mx.array)) for c in child)
        ):
            yield key, child


def named_modules(module, memo=None, prefix="", remove_duplicate=True):
    """nn.Module.named_modules over an MLX module, in torch's order: the module, then each
    child's, depth first, under torch's dotted names, each once. A list a ModuleList or
    ParameterList became is listed where torch lists the container, and walked."""
    memo = set() if memo is None else memo

    def walk(value, prefix):
        if remove_duplicate:
            if id(value) in memo:
                return
            memo.add(id(value))
        yield prefix, value
        for key, child in _child_modules(value):
            yield from walk(child, f"{prefix}.{key}" if prefix else key)

    yield from walk(module, prefix)


def modules(module):
    """nn.Module.modules over an MLX module: named_modules' modules, in torch's order."""
    for _, value in named_modules(module):
        yield value


def named_children(module):
    """nn.Module.named_children over an MLX module: its direct children in the order they were
    set, each once (a ported ModuleList is the list)."""
    seen = set()
    for key, child in _child_modules(module):
        if id(child) not in seen:
            seen.add(id(child))
            yield key, child


def children(module):
    """nn.Module.children over an MLX module: named_children's modules."""
    for _, child in named_children(module):
        yield child


def parameters(module, recurse=True):
    """nn.Module.parameters over an MLX module: named_parameters' arrays, in torch's order."""
    for _, value in named_parameters(module, recurse=recurse):
        yield value


def parameters_to_vector(parameters):
    """torch.nn.utils.parameters_to_vector: the parameters flattened and concatenated, in
    the order given; an MLX parameter tree (model.parameters()) is taken in tree_flatten
    order."""
    if isinstance(parameters, dict):
        from mlx.utils import tree_flatten

        parameters = [p for _, p in tree_flatten(parameters)]
    return mx.concatenate([mx.array(p).reshape(-1) for p in parameters])


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """torch.nn.utils.rnn.pad_sequence: sequences of shape (L_i, *) padded with padding_value
    to the longest, stacked to (T, B, *), or (B, T, *) when batch_first."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    sequences = [mx.array(s) for s in sequences]
    longest = max(s.shape[0] for s in sequences)
    rows = []
    for s in sequences:
        extra = longest - s.shape[0]
        widths = [(0, extra) if padding_side == "right" else (extra, 0)] + [(0, 0)] * (s.ndim - 1)
        rows.append(mx.pad(s, widths, constant_values=padding_value))
    out = mx.stack(rows)
    return out if batch_first else out.swapaxes(0, 1)


def pinverse(A, rcond=1e-15):
    """torch.pinverse with a cutoff: singular values at most rcond times the largest are
    treated as zero (the SVD runs on the CPU stream, as MLX's linalg requires)."""
    U, S, Vt = mx.linalg.svd(A, stream=mx.cpu)
    k = S.shape[-1]
    U, Vt = U[..., :k], Vt[..., :k, :]
    keep = S > rcond * S.max(axis=-1, keepdims=True)
    inverse = mx.where(keep, 1 / mx.where(keep, S, 1), 0)
    return (Vt.swapaxes(-1, -2) * inverse[..., None, :]) @ U.swapaxes(-1, -2)


def _dist_params(*values):
    """torch.distributions' broadcast_all: numbers become float32 arrays, all broadcast."""
    arrays = [v if isinstance(v, mx.array) else mx.array(v, dtype=mx.float32) for v in values]
    return mx.broadcast_arrays(*arrays) if len(arrays) > 1 else arrays


class _Distribution:
    """The torch.distributions members these ports have: sample and rsample (MLX's
    generator: same distribution, other numbers), log_prob, mean, variance, stddev, entropy,
    cdf and icdf where the distribution has them, batch_shape and event_shape. Arguments are
    not validated (torch's validate_args)."""

    def __init__(self, batch_shape=(), event_shape=()):
        self.batch_shape = tuple(batch_shape)
        self.event_shape = tuple(event_shape)

    def _shape(self, sample_shape=()):
        return tuple(sample_shape) + self.batch_shape + self.event_shape

    @property
    def stddev(self):
        return mx.sqrt(self.variance)

    def sample(self, sample_shape=()):
        return mx.stop_gradient(self.rsample(sample_shape))

    def perplexity(self):
        return mx.exp(self.entropy())


class _LocScale(_Distribution):
    """A distribution of torch's given by loc and scale, whose mode is loc."""

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = _dist_params(loc, scale)
        super().__init__(self.loc.shape)

    mode = property(lambda self: self.loc)


class Normal(_LocScale):
    """torch.distributions.Normal(loc, scale)."""

    mean = property(lambda self: self.loc)
    stddev = property(lambda self: self.scale)
    variance = property(lambda self: self.scale**2)

    def rsample(self, sample_shape=()):
        return self.loc + self.scale * mx.random.normal(self._shape(sample_shape))

    def log_prob(self, value):
        return -((value - self.loc) ** 2) / (2 * self.scale**2) - mx.log(self.scale) - math.log(math.sqrt(2 * math.pi))

    def cdf(self, value):
        return 0.5 * (1 + mx.erf((value - self.loc) / (self.scale * math.sqrt(2))))

    def icdf(self, value):
        return self.loc + self.scale * mx.erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self):
        return 0.5 + 0.5 * math.log(2 * math.pi) + mx.log(self.scale)


class LogNormal(_Distribution):
    """torch.distributions.LogNormal(loc, scale): exp of a Normal(loc, scale)."""

    def __init__(self, loc, scale, validate_args=None):
        self.base_dist = Normal(loc, scale)
        self.loc, self.scale = self.base_dist.loc, self.base_dist.scale
        super().__init__(self.loc.shape)

    mean = property(lambda self: mx.exp(self.loc + self.scale**2 / 2))
    mode = property(lambda self: mx.exp(self.loc - self.scale**2))
    variance = property(lambda self: (mx.exp(self.scale**2) - 1) * mx.exp(2 * self.loc + self.scale**2))

    def rsample(self, sample_shape=()):
        return mx.exp(self.base_dist.rsample(sample_shape))

    def log_prob(self, value):
        y = mx.log(value)
        return self.base_dist.log_prob(y) - y

    def cdf(self, value):
        return self.base_dist.cdf(mx.log(value))

    def icdf(self, value):
        return mx.exp(self.base_dist.icdf(value))

    def entropy(self):
        return self.base_dist.entropy() + self.loc


class Uniform(_Distribution):
    """torch.distributions.Uniform(low, high): [low, high)."""

    def __init__(self, low, high, validate_args=None):
        self.low, self.high = _dist_params(low, high)
        super().__init__(self.low.shape)

    mean = property(lambda self: (self.high + self.low) / 2)
    variance = property(lambda self: (self.high - self.low) ** 2 / 12)
    stddev = property(lambda self: (self.high - self.low) / 12**0.5)
    mode = property(lambda self: mx.full(self.low.shape, float("nan")))

    def rsample(self, sample_shape=()):
        return self.low + (self.high - self.low) * mx.random.uniform(shape=self._shape(sample_shape))

    def log_prob(self, value):
        inside = (self.low <= value) & (value < self.high)
        return mx.log(inside.astype(self.low.dtype)) - mx.log(self.high - self.low)

    def cdf(self, value):
        return mx.clip((value - self.low) / (self.high - self.low), 0, 1)

    def icdf(self, value):
        return value * (self.high - self.low) + self.low

    def entropy(self):
        return mx.log(self.high - self.low)


class Laplace(_LocScale):
    """torch.distributions.Laplace(loc, scale)."""

    mean = property(lambda self: self.loc)
    variance = property(lambda self: 2 * self.scale**2)
    stddev = property(lambda self: 2**0.5 * self.scale)

    def rsample(self, sample_shape=()):
        eps = float(mx.finfo(self.loc.dtype).eps)
        u = mx.random.uniform(eps - 1, 1, self._shape(sample_shape))
        return self.loc - self.scale * mx.sign(u) * mx.log1p(-mx.abs(u))

    def log_prob(self, value):
        return -mx.log(2 * self.scale) - mx.abs(value - self.loc) / self.scale

    def cdf(self, value):
        return 0.5 - 0.5 * mx.sign(value - self.loc) * mx.expm1(-mx.abs(value - self.loc) / self.scale)

    def icdf(self, value):
        term = value - 0.5
        return self.loc - self.scale * mx.sign(term) * mx.log1p(-2 * mx.abs(term))

    def entropy(self):
        return 1 + mx.log(2 * self.scale)


class Cauchy(_LocScale):
    """torch.distributions.Cauchy(loc, scale): mean and variance undefined (nan and inf, as torch)."""

    mean = property(lambda self: mx.full(self.loc.shape, float("nan")))
    variance = property(lambda self: mx.full(self.loc.shape, float("inf")))

    def rsample(self, sample_shape=()):
        u = mx.random.uniform(shape=self._shape(sample_shape))
        return self.loc + self.scale * mx.tan(math.pi * (u - 0.5))

    def log_prob(self, value):
        return -math.log(math.pi) - mx.log(self.scale) - mx.log1p(((value - self.loc) / self.scale) ** 2)

    def cdf(self, value):
        return mx.arctan((value - self.loc) / self.scale) / math.pi + 0.5

    def icdf(self, value):
        return mx.tan(math.pi * (value - 0.5)) * self.scale + self.loc

    def entropy(self):
        return math.log(4 * math.pi) + mx.log(self.scale)


class Exponential(_Distribution):
    """torch.distributions.Exponential(rate)."""

    def __init__(self, rate, validate_args=None):
        (self.rate,) = _dist_params(rate)
        super().__init__(self.rate.shape)

    mean = property(lambda self: 1 / self.rate)
    mode = property(lambda self: mx.zeros_like(self.rate))
    stddev = property(lambda self: 1 / self.rate)
    variance = property(lambda self: self.rate**-2)

    def rsample(self, sample_shape=()):
        u = mx.random.uniform(shape=self._shape(sample_shape))
        return -mx.log1p(-u) / self.rate

    def log_prob(self, value):
        return mx.log(self.rate) - self.rate * value

    def cdf(self, value):
        return 1 - mx.exp(-self.rate * value)

    def icdf(self, value):
        return -mx.log1p(-value) / self.rate

    def entropy(self):
        return 1.0 - mx.log(self.rate)


def _clamp_probs(probs):
    eps = float(mx.finfo(probs.dtype).eps)
    return mx.clip(probs, eps, 1 - eps)


def _binary_probs_and_logits(probs, logits):
    """(probs, logits) of a distribution given one of them, as torch's Bernoulli and Geometric
    take it: logits are log-odds."""
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")
    if probs is not None:
        (probs,) = _dist_params(probs)
        p = _clamp_probs(probs)
        return probs, mx.log(p) - mx.log1p(-p)
    (logits,) = _dist_params(logits)
    return mx.sigmoid(logits), logits


class Bernoulli(_Distribution):
    """torch.distributions.Bernoulli(probs=None, logits=None): samples are floats, 0 or 1."""

    def __init__(self, probs=None, logits=None, validate_args=None):
        self.probs, self.logits = _binary_probs_and_logits(probs, logits)
        super().__init__(self.probs.shape)

    mean = property(lambda self: self.probs)
    mode = property(lambda self: mx.where(self.probs == 0.5, float("nan"), (self.probs >= 0.5).astype(self.probs.dtype)))
    variance = property(lambda self: self.probs * (1 - self.probs))

    def sample(self, sample_shape=()):
        return mx.random.bernoulli(self.probs, self._shape(sample_shape)).astype(self.probs.dtype)

    def log_prob(self, value):
        logits = self.logits
        return -(mx.maximum(logits, 0) - logits * value + mx.log1p(mx.exp(-mx.abs(logits))))

    def entropy(self):
        return self.log_prob(self.probs) * -1


class Categorical(_Distribution):
    """torch.distributions.Categorical(probs=None, logits=None) over the last axis: samples
    are int64 indices; mean and variance are nan, as torch's."""

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            self.probs = probs / probs.sum(-1, keepdims=True)
            self.logits = mx.log(_clamp_probs(self.probs))
        else:
            self.logits = logits - mx.logsumexp(logits, axis=-1, keepdims=True)
            self.probs = mx.softmax(self.logits, axis=-1)
        self._num_events = self.probs.shape[-1]
        super().__init__(self.probs.shape[:-1])

    mean = property(lambda self: mx.full(self.batch_shape, float("nan"), dtype=self.probs.dtype))
    variance = property(lambda self: mx.full(self.batch_shape, float("nan"), dtype=self.probs.dtype))
    mode = property(lambda self: mx.argmax(self.probs, axis=-1).astype(mx.int64))
    param_shape = property(lambda self: self.probs.shape)

    def sample(self, sample_shape=()):
        shape = tuple(sample_shape) + self.batch_shape
        return mx.random.categorical(self.logits, shape=shape).astype(mx.int64)

    def log_prob(self, value):
        value = value.astype(mx.int64)
        shape = mx.broadcast_shapes(value.shape, self.batch_shape)
        logits = mx.broadcast_to(self.logits, shape + (self._num_events,))
        return mx.take_along_axis(logits, mx.broadcast_to(value, shape)[..., None], axis=-1)[..., 0]

    def entropy(self):
        logits = mx.maximum(self.logits, float(mx.finfo(self.logits.dtype).min))
        return -(logits * self.probs).sum(-1)


class _Transform:
    """torch.distributions.transforms: called forward, `.inv` the inverse transform,
    log_abs_det_jacobian(x, y) elementwise (event_dim 0)."""

    @property
    def inv(self):
        return _InverseTransform(self)

    def __call__(self, x):
        return self._call(x)

    def log_abs_det_jacobian(self, x, y):
        raise NotImplementedError


class _InverseTransform(_Transform):
    def __init__(self, transform):
        self._inv = transform

    @property
    def inv(self):
        return self._inv

    def _call(self, y):
        return self._inv._inverse(y)

    def _inverse(self, x):
        return self._inv._call(x)

    def log_abs_det_jacobian(self, x, y):
        return -self._inv.log_abs_det_jacobian(y, x)


class ExpTransform(_Transform):
    """torch.distributions.transforms.ExpTransform: y = exp(x)."""

    def __init__(self, cache_size=0):
        pass

    _call = staticmethod(mx.exp)
    _inverse = staticmethod(mx.log)

    def log_abs_det_jacobian(self, x, y):
        return x


class SigmoidTransform(_Transform):
    """torch.distributions.transforms.SigmoidTransform: y = sigmoid(x), clamped into (0, 1) as torch's."""

    def __init__(self, cache_size=0):
        pass

    def _call(self, x):
        finfo = mx.finfo(x.dtype)
        return mx.clip(mx.sigmoid(x), float(finfo.smallest_normal), 1 - float(finfo.eps))

    def _inverse(self, y):
        finfo = mx.finfo(y.dtype)
        y = mx.clip(y, float(finfo.smallest_normal), 1 - float(finfo.eps))
        return mx.log(y) - mx.log1p(-y)

    def log_abs_det_jacobian(self, x, y):
        return -mx.logaddexp(0, -x) - mx.logaddexp(0, x)


class TanhTransform(_Transform):
    """torch.distributions.transforms.TanhTransform: y = tanh(x)."""

    def __init__(self, cache_size=0):
        pass

    _call = staticmethod(mx.tanh)

    def _inverse(self, y):
        return mx.arctanh(y)

    def log_abs_det_jacobian(self, x, y):
        return 2.0 * (math.log(2.0) - x - mx.logaddexp(0, -2.0 * x))


class AbsTransform(_Transform):
    """torch.distributions.transforms.AbsTransform: y = |x| (its inverse is the identity, as torch's)."""

    def __init__(self, cache_size=0):
        pass

    _call = staticmethod(mx.abs)

    def _inverse(self, y):
        return y


class AffineTransform(_Transform):
    """torch.distributions.transforms.AffineTransform: y = loc + scale * x."""

    def __init__(self, loc, scale, event_dim=0, cache_size=0):
        self.loc, self.scale, self.event_dim = loc, scale, event_dim

    def _call(self, x):
        return self.loc + self.scale * x

    def _inverse(self, y):
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x, y):
        scale = self.scale if isinstance(self.scale, mx.array) else mx.array(abs(self.scale), dtype=x.dtype)
        result = mx.broadcast_to(mx.log(mx.abs(scale)), x.shape)
        if self.event_dim:
            result = result.reshape(result.shape[: result.ndim - self.event_dim] + (-1,)).sum(-1)
        return result


class PowerTransform(_Transform):
    """torch.distributions.transforms.PowerTransform: y = x ** exponent."""

    def __init__(self, exponent, cache_size=0):
        (self.exponent,) = _dist_params(exponent)

    def _call(self, x):
        return mx.power(x, self.exponent)

    def _inverse(self, y):
        return mx.power(y, 1 / self.exponent)

    def log_abs_det_jacobian(self, x, y):
        return mx.abs(self.exponent * y / x).log()


class Gumbel(_LocScale):
    """torch.distributions.Gumbel(loc, scale)."""

    mean = property(lambda self: self.loc + self.scale * 0.57721566490153286060)
    stddev = property(lambda self: (math.pi / math.sqrt(6)) * self.scale)
    variance = property(lambda self: ((math.pi / math.sqrt(6)) * self.scale) ** 2)

    def rsample(self, sample_shape=()):
        finfo = mx.finfo(self.loc.dtype)
        u = mx.random.uniform(float(finfo.smallest_normal), 1 - float(finfo.eps), self._shape(sample_shape))
        return self.loc - self.scale * mx.log(-mx.log(u))

    def log_prob(self, value):
        y = (self.loc - value) / self.scale
        return (y - mx.exp(y)) - mx.log(self.scale)

    def cdf(self, value):
        return mx.exp(-mx.exp(-(value - self.loc) / self.scale))

    def icdf(self, value):
        return self.loc - self.scale * mx.log(-mx.log(value))

    def entropy(self):
        return mx.log(self.scale) + (1 + 0.57721566490153286060)


class Geometric(_Distribution):
    """torch.distributions.Geometric(probs=None, logits=None): the number of failures before
    the first success; samples are floats, as torch's."""

    def __init__(self, probs=None, logits=None, validate_args=None):
        self.probs, self.logits = _binary_probs_and_logits(probs, logits)
        super().__init__(self.probs.shape)

    mean = property(lambda self: 1.0 / self.probs - 1.0)
    mode = property(lambda self: mx.zeros_like(self.probs))
    variance = property(lambda self: (1.0 / self.probs - 1.0) / self.probs)

    def sample(self, sample_shape=()):
        tiny = float(mx.finfo(self.probs.dtype).smallest_normal)
        u = mx.maximum(mx.random.uniform(shape=self._shape(sample_shape)), tiny)
        return mx.floor(mx.log(u) / mx.log1p(-self.probs))

    def log_prob(self, value):
        probs = mx.where((self.probs == 1) & (value == 0), 0, self.probs)
        return value * mx.log1p(-probs) + mx.log(self.probs)

    def entropy(self):
        logits = self.logits
        bce = mx.maximum(logits, 0) - logits * self.probs + mx.log1p(mx.exp(-mx.abs(logits)))
        return bce / self.probs


class Independent(_Distribution):
    """torch.distributions.Independent(base_distribution, reinterpreted_batch_ndims): the
    base distribution's last batch axes read as event axes (log_prob and entropy sum over
    them)."""

    def __init__(self, base_distribution, reinterpreted_batch_ndims, validate_args=None):
        shape = base_distribution.batch_shape + base_distribution.event_shape
        n = len(base_distribution.batch_shape) - reinterpreted_batch_ndims
        if n < 0:
            raise ValueError("Expected reinterpreted_batch_ndims <= len(base_distribution.batch_shape)")
        self.base_dist = base_distribution
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims
        super().__init__(shape[:n], shape[n:])

    mean = property(lambda self: self.base_dist.mean)
    mode = property(lambda self: self.base_dist.mode)
    variance = property(lambda self: self.base_dist.variance)

    def _sum(self, value):
        n = self.reinterpreted_batch_ndims
        return value.sum(axis=tuple(range(-n, 0))) if n else value

    def sample(self, sample_shape=()):
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape=()):
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value):
        return self._sum(self.base_dist.log_prob(value))

    def entropy(self):
        return self._sum(self.base_dist.entropy())


def _xlogy(x, y):
    """x * log(y), 0 where x is 0 (torch.xlogy)."""
    return mx.where(x == 0, 0.0, x * mx.log(y))


def _standard_gamma(alpha, shape):
    """Gamma(alpha, 1) draws of `shape` (alpha broadcast to it): Marsaglia and Tsang's method,
    drawing again where a candidate is rejected (a host loop until every element is accepted);
    alpha < 1 through Gamma(alpha + 1) * U ** (1 / alpha)."""
    alpha = mx.broadcast_to(mx.stop_gradient(alpha), shape)
    boost = alpha < 1
    d = mx.where(boost, alpha + 1, alpha) - 1 / 3
    c = 1 / mx.sqrt(9 * d)
    result = mx.zeros(shape)
    done = mx.zeros(shape, dtype=mx.bool_)
    while not done.all().item():
        z = mx.random.normal(shape)
        v = (1 + c * z) ** 3
        u = mx.random.uniform(shape=shape)
        accept = (v > 0) & (mx.log(u) < 0.5 * z * z + d - d * v + d * mx.log(mx.maximum(v, 1e-30)))
        result = mx.where(accept & ~done, d * v, result)
        done = done | accept
    u = mx.random.uniform(shape=shape)
    tiny = float(mx.finfo(mx.float32).smallest_normal)
    return mx.maximum(mx.where(boost, result * u ** (1 / alpha), result), tiny)


def _lbeta_last(concentration):
    return lgamma(concentration).sum(axis=-1) - lgamma(concentration.sum(axis=-1))


class _RejectionSampled(_Distribution):
    """A distribution drawn through Gamma variates (Marsaglia and Tsang's rejection method, a
    host loop): sample only. torch's rsample differentiates through the draw with respect to
    the concentrations, which this draw cannot: rsample raises rather than give no gradient."""

    def sample(self, sample_shape=()):
        return mx.stop_gradient(self._draw(sample_shape))

    def rsample(self, sample_shape=()):
        raise NotImplementedError(f"{type(self).__name__}.rsample: MLX has no reparametrized Gamma draw; use sample (no gradient), or a reparametrizable distribution")


class Gamma(_RejectionSampled):
    """torch.distributions.Gamma(concentration, rate)."""

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = _dist_params(concentration, rate)
        super().__init__(self.concentration.shape)

    mean = property(lambda self: self.concentration / self.rate)
    mode = property(lambda self: mx.maximum((self.concentration - 1) / self.rate, 0))
    variance = property(lambda self: self.concentration / self.rate**2)

    def _draw(self, sample_shape=()):
        shape = self._shape(sample_shape)
        return _standard_gamma(self.concentration, shape) / mx.broadcast_to(self.rate, shape)

    def log_prob(self, value):
        a, b = self.concentration, self.rate
        return _xlogy(a, b) + _xlogy(a - 1, value) - b * value - lgamma(a)

    def entropy(self):
        a = self.concentration
        return a - mx.log(self.rate) + lgamma(a) + (1 - a) * digamma(a)


class Chi2(Gamma):
    """torch.distributions.Chi2(df): Gamma(df / 2, 1 / 2)."""

    def __init__(self, df, validate_args=None):
        (df,) = _dist_params(df)
        super().__init__(0.5 * df, mx.full(df.shape, 0.5))

    df = property(lambda self: self.concentration * 2)


class Dirichlet(_RejectionSampled):
    """torch.distributions.Dirichlet(concentration) over the last axis (the event)."""

    def __init__(self, concentration, validate_args=None):
        (self.concentration,) = _dist_params(concentration)
        if self.concentration.ndim < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        super().__init__(self.concentration.shape[:-1], self.concentration.shape[-1:])

    @property
    def mean(self):
        return self.concentration / self.concentration.sum(axis=-1, keepdims=True)

    @property
    def variance(self):
        c = self.concentration
        total = c.sum(axis=-1, keepdims=True)
        return c * (total - c) / (total**2 * (total + 1))

    def _draw(self, sample_shape=()):
        # torch keeps each component in [tiny, 1 - 2**-24], so none is exactly 0 or 1.
        g = _standard_gamma(self.concentration, self._shape(sample_shape))
        tiny = float(mx.finfo(mx.float32).smallest_normal)
        return mx.clip(g / g.sum(axis=-1, keepdims=True), tiny, 1 - 2**-24)

    def log_prob(self, value):
        c = self.concentration
        return _xlogy(c - 1, value).sum(axis=-1) - _lbeta_last(c)

    def entropy(self):
        c = self.concentration
        k = c.shape[-1]
        total = c.sum(axis=-1)
        return _lbeta_last(c) - (k - total) * digamma(total) - ((c - 1) * digamma(c)).sum(axis=-1)


class Beta(_RejectionSampled):
    """torch.distributions.Beta(concentration1, concentration0): a two-way Dirichlet, read at
    its first component."""

    def __init__(self, concentration1, concentration0, validate_args=None):
        self.concentration1, self.concentration0 = _dist_params(concentration1, concentration0)
        self._dirichlet = Dirichlet(mx.stack([self.concentration1, self.concentration0], axis=-1))
        super().__init__(self.concentration1.shape)

    @property
    def mean(self):
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def variance(self):
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total**2 * (total + 1))

    def _draw(self, sample_shape=()):
        return self._dirichlet._draw(sample_shape)[..., 0]

    def log_prob(self, value):
        value = mx.array(value) if not isinstance(value, mx.array) else value
        return self._dirichlet.log_prob(mx.stack([value, 1 - value], axis=-1))

    def entropy(self):
        return self._dirichlet.entropy()


class StudentT(_RejectionSampled):
    """torch.distributions.StudentT(df, loc=0.0, scale=1.0): mean nan for df <= 1, variance
    inf for 1 < df <= 2 and nan for df <= 1, as torch's."""

    def __init__(self, df, loc=0.0, scale=1.0, validate_args=None):
        self.df, self.loc, self.scale = _dist_params(df, loc, scale)
        self._chi2 = Chi2(self.df)
        super().__init__(self.df.shape)

    mean = property(lambda self: mx.where(self.df > 1, self.loc, mx.nan))
    mode = property(lambda self: self.loc)

    @property
    def variance(self):
        df = self.df
        finite = self.scale**2 * df / mx.where(df > 2, df - 2, 1)
        return mx.where(df > 2, finite, mx.where(df > 1, mx.inf, mx.nan))

    def _draw(self, sample_shape=()):
        shape = self._shape(sample_shape)
        y = mx.random.normal(shape) * mx.rsqrt(self._chi2._draw(sample_shape) / self.df)
        return self.loc + self.scale * y

    def log_prob(self, value):
        y = (value - self.loc) / self.scale
        z = mx.log(self.scale) + 0.5 * mx.log(self.df) + 0.5 * math.log(math.pi) + lgamma(0.5 * self.df) - lgamma(0.5 * (self.df + 1))
        return -0.5 * (self.df + 1) * mx.log1p(y**2 / self.df) - z

    def entropy(self):
        df = self.df
        lbeta = lgamma(0.5 * df) + math.lgamma(0.5) - lgamma(0.5 * (df + 1))
        return mx.log(self.scale) + 0.5 * (df + 1) * (digamma(0.5 * (df + 1)) - digamma(0.5 * df)) + 0.5 * mx.log(df) + lbeta


class Poisson(_Distribution):
    """torch.distributions.Poisson(rate): samples are floats, drawn by inversion (a host loop
    of about rate + a few sqrt(rate) steps); no rsample, cdf or entropy, as torch's."""

    def __init__(self, rate, validate_args=None):
        (self.rate,) = _dist_params(rate)
        super().__init__(self.rate.shape)

    mean = property(lambda self: self.rate)
    mode = property(lambda self: mx.floor(self.rate))
    variance = property(lambda self: self.rate)

    def sample(self, sample_shape=()):
        shape = self._shape(sample_shape)
        rate = mx.broadcast_to(mx.stop_gradient(self.rate), shape)
        # A Poisson process: how many Exp(1) arrival times fall before `rate`. Exact, and with no
        # exp(-rate) to underflow (inverting the CDF from exp(-rate) never ended for rates above
        # ~100 in float32); the loop runs about max(rate) times.
        k = mx.zeros(shape)
        time = -mx.log1p(-mx.random.uniform(shape=shape))
        while (time <= rate).any().item():
            arrived = time <= rate
            k = k + arrived
            time = mx.where(arrived, time - mx.log1p(-mx.random.uniform(shape=shape)), time)
        return k

    def log_prob(self, value):
        return _xlogy(value, self.rate) - self.rate - lgamma(value + 1)


class SoftmaxTransform(_Transform):
    """torch.distributions.transforms.SoftmaxTransform: softmax over the last axis; the
    inverse is the log (not a bijection, as torch's)."""

    def __init__(self, cache_size=0):
        pass

    def _call(self, x):
        probs = mx.exp(x - x.max(axis=-1, keepdims=True))
        return probs / probs.sum(axis=-1, keepdims=True)

    _inverse = staticmethod(mx.log)


class ComposeTransform(_Transform):
    """torch.distributions.transforms.ComposeTransform(parts): the parts applied in order;
    log_abs_det_jacobian adds the parts' elementwise log-determinants (parts that change
    the event shape are not summed over their event axes as torch does)."""

    def __init__(self, parts, cache_size=0):
        self.parts = list(parts)

    def _call(self, x):
        for part in self.parts:
            x = part(x)
        return x

    def _inverse(self, y):
        for part in reversed(self.parts):
            y = part.inv(y)
        return y

    def log_abs_det_jacobian(self, x, y):
        total = mx.zeros_like(x)
        for part in self.parts:
            y = part(x)
            total = total + part.log_abs_det_jacobian(x, y)
            x = y
        return total


class IndependentTransform(_Transform):
    """torch.distributions.transforms.IndependentTransform(base_transform,
    reinterpreted_batch_ndims): the base transform, its log-determinant summed over the last
    reinterpreted_batch_ndims axes."""

    def __init__(self, base_transform, reinterpreted_batch_ndims, cache_size=0):
        self.base_transform = base_transform
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

    def _call(self, x):
        return self.base_transform(x)

    def _inverse(self, y):
        return self.base_transform.inv(y)

    def log_abs_det_jacobian(self, x, y):
        result = self.base_transform.log_abs_det_jacobian(x, y)
        n = self.reinterpreted_batch_ndims
        return result.sum(axis=tuple(range(-n, 0))) if n else result


class ReshapeTransform(_Transform):
    """torch.distributions.transforms.ReshapeTransform(in_shape, out_shape): the trailing
    in_shape axes reshaped to out_shape."""

    def __init__(self, in_shape, out_shape, cache_size=0):
        self.in_shape, self.out_shape = tuple(in_shape), tuple(out_shape)
        if math.prod(self.in_shape) != math.prod(self.out_shape):
            raise ValueError("in_shape, out_shape have different numbers of elements")

    def _call(self, x):
        batch = x.shape[: x.ndim - len(self.in_shape)]
        return x.reshape(tuple(batch) + self.out_shape)

    def _inverse(self, y):
        batch = y.shape[: y.ndim - len(self.out_shape)]
        return y.reshape(tuple(batch) + self.in_shape)

    def log_abs_det_jacobian(self, x, y):
        return mx.zeros(x.shape[: x.ndim - len(self.in_shape)], dtype=x.dtype)
