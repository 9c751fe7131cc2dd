"""A small MLX model and training step written by hand against mlx's own API (not a port):
the audit must find nothing here. tests/audit.rs also runs it under MLX, so every name in it
is known to exist."""

import math
from functools import partial

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim
import numpy as np
from mlx.utils import tree_flatten, tree_map, tree_unflatten


class Attention(nn.Module):
    def __init__(self, dims: int, heads: int):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dims, 3 * dims, bias=False)
        self.out = nn.Linear(dims, dims)
        self.rope = nn.RoPE(dims // heads, traditional=False, base=10000)
        self.norm = nn.RMSNorm(dims, eps=1e-5)
        self.scale = mx.ones((dims,))

    def __call__(self, x: mx.array, mask=None) -> mx.array:
        B, T, C = x.shape
        q, k, v = mx.split(self.qkv(self.norm(x)), 3, axis=-1)
        q = q.reshape(B, T, self.heads, -1).swapaxes(1, 2)
        k = k.reshape(B, T, self.heads, -1).transpose(0, 2, 1, 3)
        v = v.reshape(B, T, self.heads, -1).swapaxes(1, 2)
        q, k = self.rope(q), self.rope(k)
        y = mx.fast.scaled_dot_product_attention(q, k, v, scale=q.shape[-1] ** -0.5, mask=mask)
        y = y.swapaxes(1, 2).reshape(B, T, C)
        return self.out(mx.fast.rms_norm(y, self.scale, 1e-5))


class Model(nn.Module):
    def __init__(self, vocab: int, dims: int, heads: int, layers: int):
        super().__init__()
        self.embed = nn.Embedding(vocab, dims)
        self.layers = [Attention(dims, heads) for _ in range(layers)]
        self.mlp = nn.Sequential(nn.Linear(dims, 4 * dims), nn.GELU(), nn.Linear(4 * dims, dims))
        self.ln = nn.LayerNorm(dims)
        self.names = []

    def __call__(self, tokens):
        x = self.embed(tokens)
        mask = nn.MultiHeadAttention.create_additive_causal_mask(tokens.shape[1])
        for layer in self.layers:
            x = x + layer(x, mask.astype(x.dtype))
        x = x + self.mlp(self.ln(x))
        self.names.sort()
        return self.embed.as_linear(x)


def loss_fn(model, tokens, targets):
    logits = model(tokens)
    return nn.losses.cross_entropy(logits, targets, reduction="mean")


def spectrum(signal):
    """mx.fft, mx.linalg and array methods numpy also has."""
    power = mx.abs(mx.fft.rfft(signal, axis=-1)) ** 2
    norm = mx.linalg.norm(power, axis=-1, keepdims=True)
    scaled = (power / norm).astype(mx.float32)
    return scaled.sum(axis=-1).mean().item(), scaled.flatten().tolist()[:2]


def main():
    mx.random.seed(0)
    key = mx.random.key(0)
    model = Model(vocab=32, dims=16, heads=2, layers=2)
    mx.eval(model.parameters())
    count = sum(p.size for _, p in tree_flatten(model.parameters()))
    optimizer = optim.AdamW(learning_rate=optim.cosine_decay(1e-3, 10), weight_decay=0.01)
    step_fn = nn.value_and_grad(model, loss_fn)

    @partial(mx.compile, inputs=[model.state, optimizer.state], outputs=[model.state, optimizer.state])
    def step(tokens, targets):
        loss, grads = step_fn(model, tokens, targets)
        grads, _ = optim.clip_grad_norm(grads, max_norm=1.0)
        optimizer.update(model, grads)
        return loss

    data = np.random.default_rng(0).integers(0, 32, size=(4, 9))
    tokens, targets = mx.array(data[:, :-1]), mx.array(data[:, 1:])
    for _ in range(3):
        loss = step(tokens, targets)
        mx.eval(loss, model.state, optimizer.state)
    halved = tree_map(lambda p: p * 0.5, model.parameters())
    model.update(tree_unflatten(list(tree_flatten(halved))))
    noise = mx.random.normal((2, 8), key=mx.random.split(key)[0])
    energy, first = spectrum(noise)
    counts = {"a": 1}
    values = list(counts.values())
    seen = set()
    seen.add(len(values))
    words = "a,b".split(",")
    where = words.index("b")
    x = mx.arange(6).reshape(2, 3)
    x = x.at[0].add(1)
    print(f"params {count}, loss {loss.item():.3f}, energy {energy:.3f} {len(first)} {where}",
          math.isfinite(energy), x.sum().item(), mx.argmax(x, axis=1).tolist())


if __name__ == "__main__":
    main()
