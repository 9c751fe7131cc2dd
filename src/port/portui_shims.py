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
