#!/usr/bin/env python3
"""portui_shims.Function against torch.autograd.Function: values and gradients.
    autograd_function.py SHIMS_DIR
The same custom functions (one input; two inputs and a constant, with a None gradient; the
newer forward-without-ctx style with setup_context) are written for both, run on the same
inputs, and differentiated: torch by backward(), MLX by mx.grad through the shim. Prints "ok"
and exits 0, or names what differs."""
import sys

import numpy as np


def torch_side(x, y):
    import torch

    class Swish(torch.autograd.Function):
        @staticmethod
        def forward(ctx, i):
            ctx.save_for_backward(i)
            return i * torch.sigmoid(i)

        @staticmethod
        def backward(ctx, g):
            (i,) = ctx.saved_tensors
            s = torch.sigmoid(i)
            return g * (s * (1 + i * (1 - s)))

    class ScaledMul(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a, b, scale):
            ctx.save_for_backward(a, b)
            ctx.scale = scale
            return a * b * scale

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            return g * b * ctx.scale, g * a * ctx.scale, None

    class Cube(torch.autograd.Function):
        @staticmethod
        def forward(i):
            return i**3

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, g):
            (i,) = ctx.saved_tensors
            return 3 * i * i * g

    a = torch.tensor(x, requires_grad=True)
    b = torch.tensor(y, requires_grad=True)
    out = Swish.apply(a) + ScaledMul.apply(a, b, 0.5) + Cube.apply(b)
    out.sum().backward()
    return out.detach().numpy(), a.grad.numpy(), b.grad.numpy()


def mlx_side(shims, x, y):
    sys.path.insert(0, shims)
    import mlx.core as mx
    import portui_shims

    class Swish(portui_shims.Function):
        @staticmethod
        def forward(ctx, i):
            ctx.save_for_backward(i)
            return i * mx.sigmoid(i)

        @staticmethod
        def backward(ctx, g):
            (i,) = ctx.saved_tensors
            s = mx.sigmoid(i)
            return g * (s * (1 + i * (1 - s)))

    class ScaledMul(portui_shims.Function):
        @staticmethod
        def forward(ctx, a, b, scale):
            ctx.save_for_backward(a, b)
            ctx.scale = scale
            return a * b * scale

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            return g * b * ctx.scale, g * a * ctx.scale, None

    class Cube(portui_shims.Function):
        @staticmethod
        def forward(i):
            return i**3

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, g):
            (i,) = ctx.saved_tensors
            return 3 * i * i * g

    def f(a, b):
        return Swish.apply(a) + ScaledMul.apply(a, b, 0.5) + Cube.apply(b)

    a, b = mx.array(x), mx.array(y)
    grads = mx.grad(lambda a, b: f(a, b).sum(), argnums=(0, 1))(a, b)
    return np.array(f(a, b)), np.array(grads[0]), np.array(grads[1])


def main():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4)).astype(np.float32)
    y = rng.standard_normal((3, 4)).astype(np.float32)
    expected = torch_side(x, y)
    got = mlx_side(sys.argv[1], x, y)
    for name, e, g in zip(("output", "grad a", "grad b"), expected, got):
        if not np.allclose(e, g, rtol=1e-5, atol=1e-6):
            print(f"{name} differs: max {np.abs(e - g).max()}")
            return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
