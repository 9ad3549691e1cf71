#!/usr/bin/env python3
"""Which order of sums reproduces PyTorch's oneDNN convolutions bit for bit?

For each shape it runs torch.nn.functional.conv2d forward and backward on one thread
(PyTorch's default: oneDNN where PyTorch picks it) and emulates candidate orders in
float32 with exact fused multiply-adds (C's fmaf through ctypes: a float64 product
plus a float64 sum would round twice), then prints, per result, how many elements each
candidate reproduces exactly. docs/DESIGN.md ("Convolutions in oneDNN's order") lists
the orders that reproduce everything on an AVX-512 machine with PyTorch 1.13 (oneDNN
v2.6.3); run this again when either changes, or on another CPU (ONEDNN_VERBOSE=1 names
the kernels oneDNN picks).

Usage: scripts/onednn_conv_orders.py [N,C,O,H,K,P ...]   (default: the digits CNN's
two convolutions and a few more; padding P on both sides, square H x H input and
K x K kernel)
"""
import ctypes
import itertools
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

FMA_SOURCE = """#include <math.h>
#include <stddef.h>
void fma_arr(const float *a, const float *b, const float *c, float *out, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = fmaf(a[i], b[i], c[i]);
}
"""


def load_fma():
    tmp = tempfile.mkdtemp()
    src, lib = os.path.join(tmp, "fma.c"), os.path.join(tmp, "libfma.so")
    with open(src, "w") as f:
        f.write(FMA_SOURCE)
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", src, "-o", lib, "-lm"], check=True)
    return ctypes.CDLL(lib)


LIB = load_fma()


def fma(a, b, c):
    """fmaf(a, b, c) elementwise, broadcasting, in float32."""
    a, b, c = (np.ascontiguousarray(t, dtype=np.float32) for t in np.broadcast_arrays(a, b, c))
    out = np.empty(a.shape, np.float32)
    ptr = lambda t: t.ctypes.data_as(ctypes.c_void_p)  # noqa: E731
    LIB.fma_arr(ptr(a), ptr(b), ptr(c), ptr(out), ctypes.c_size_t(a.size))
    return out


def same(got, want):
    return f"{int((got.view(np.int32) == want.view(np.int32)).sum())}/{want.size}"


def pad(x, p):
    return np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))


def forward(x, w, b, p, order, block, bias_first, bias_init=False):
    """Chains over `order` (names kh, kw, c) per block of `block` input channels; the
    first block's chain plus the bias, then later blocks added (bias_first), or the
    blocks added and then the bias; bias_init: the bias starts each output's chain."""
    n, c_in, h, _ = x.shape
    o, _, k, _ = w.shape
    xp, oh = pad(x, p), h + 2 * p - k + 1
    total = None
    for lo in range(0, c_in, block):
        acc = np.zeros((n, o, oh, oh), np.float32)
        if bias_init:
            acc += b[None, :, None, None]
        ranges = {"kh": range(k), "kw": range(k), "c": range(lo, min(lo + block, c_in))}
        for t in itertools.product(*(ranges[name] for name in order)):
            i, j, c = (dict(zip(order, t))[name] for name in ("kh", "kw", "c"))
            acc = fma(xp[:, c, i:i + oh, j:j + oh][:, None], w[None, :, c, i, j, None, None], acc)
        if total is None:
            total = (acc + b[None, :, None, None]).astype(np.float32) if bias_first else acc
        else:
            total = (total + acc).astype(np.float32)
    if bias_first or bias_init:
        return total
    return (total + b[None, :, None, None]).astype(np.float32)


def input_grad(gy, w, p, h, order, block):
    """Chains over `order` (kh, kw, o) per block of `block` output channels, block sums added."""
    n, o_count, _, _ = gy.shape
    c_in, k = w.shape[1], w.shape[2]
    q = k - 1 - p
    gp = pad(gy, q)
    total = None
    for lo in range(0, o_count, block):
        acc = np.zeros((n, c_in, h, h), np.float32)
        ranges = {"kh": range(k), "kw": range(k), "o": range(lo, min(lo + block, o_count))}
        for t in itertools.product(*(ranges[name] for name in order)):
            i, j, o = (dict(zip(order, t))[name] for name in ("kh", "kw", "o"))
            r, c = k - 1 - i, k - 1 - j
            acc = fma(gp[:, o, r:r + h, c:c + h][:, None], w[None, o, :, i, j, None, None], acc)
        total = acc if total is None else (total + acc).astype(np.float32)
    return total


def weight_grad(x, gy, p, k, positions):
    """One chain per weight over the (image, row, column) positions in the given order."""
    xp, oh = pad(x, p), gy.shape[2]
    acc = np.zeros((gy.shape[1], x.shape[1], k, k), np.float32)
    windows = np.stack([np.stack([xp[:, :, i:i + oh, j:j + oh] for j in range(k)], -1) for i in range(k)], -2)
    for (img, y, col) in positions:
        acc = fma(gy[img, :, y, col][:, None, None, None], windows[img, :, y, col][None], acc)
    return acc


def bias_grad(gy, per_image):
    """Plain float32 additions over (image, row, column); per_image: each image's sum first."""
    rows = gy.transpose(0, 2, 3, 1).reshape(gy.shape[0], -1, gy.shape[1])
    total = np.zeros(gy.shape[1], np.float32)
    for image in rows:
        part = np.zeros(gy.shape[1], np.float32) if per_image else total
        for v in image:
            part = (part + v).astype(np.float32)
        total = (total + part).astype(np.float32) if per_image else part
    return total


def study(n, c, o, h, k, p):
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(n, c, h, h, generator=gen, requires_grad=True)
    w = (torch.randn(o, c, k, k, generator=gen) * 0.3).requires_grad_()
    b = torch.randn(o, generator=gen).requires_grad_()
    y = torch.nn.functional.conv2d(x, w, b, padding=p)
    gy = torch.randn(y.shape, generator=gen)
    y.backward(gy)
    xn, wn, bn, gyn = x.detach().numpy(), w.detach().numpy(), b.detach().numpy(), gy.numpy()
    print(f"N{n} C{c} O{o} H{h} K{k} P{p}:")
    for order in (("kh", "kw", "c"), ("c", "kh", "kw")):
        for block, bias_first in ((16, True), (16, False), (8, True), (10 ** 9, False)):
            got = forward(xn, wn, bn, p, order, block, bias_first)
            print(f"  forward {order} blocks of {block}, bias {'first' if bias_first else 'last'}: "
                  f"{same(got, y.detach().numpy())}")
        got = forward(xn, wn, bn, p, order, 10 ** 9, False, bias_init=True)
        print(f"  forward {order} one chain from the bias: {same(got, y.detach().numpy())}")
    for order in (("kh", "kw", "o"), ("o", "kh", "kw")):
        for block in (16, 8, 10 ** 9):
            print(f"  input grad {order} blocks of {block}: {same(input_grad(gyn, wn, p, h, order, block), x.grad.numpy())}")
    oh = gyn.shape[2]
    for name, positions in (("(image, row, column)", itertools.product(range(n), range(oh), range(oh))),
                            ("(row, column, image)", [(i, y_, x_) for y_ in range(oh) for x_ in range(oh) for i in range(n)])):
        print(f"  weight grad, one chain over {name}: {same(weight_grad(xn, gyn, p, k, list(positions)), w.grad.numpy())}")
    for per_image in (False, True):
        print(f"  bias grad, {'per-image sums' if per_image else 'one sum'}: {same(bias_grad(gyn, per_image), b.grad.numpy())}")


def main():
    torch.set_num_threads(1)
    shapes = [tuple(int(v) for v in a.split(",")) for a in sys.argv[1:]] or [
        (32, 1, 8, 8, 3, 1), (32, 8, 16, 4, 3, 1), (4, 24, 32, 6, 3, 1), (4, 8, 16, 6, 5, 2)]
    for shape in shapes:
        study(*shape)


if __name__ == "__main__":
    main()
