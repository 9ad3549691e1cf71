"""Convolutions against PyTorch: conv1d, conv2d and conv_transpose2d (stride, padding
including 'same' and 'valid', dilation, groups, output_padding, bias, unbatched inputs,
empty batches and channels, strided operand layouts), their gradients, PyTorch's argument
errors, and the Conv1d / Conv2d / ConvTranspose2d layers' initial parameters and reprs.

Op case line:     op s0 s1 p0 p1 d0 d1 op0 op1 groups mode <op inputs>
                  (op inputs: harness.op_inputs; mode explicit, same or valid)
Layer case line:  module <Conv1d|Conv2d|ConvTranspose2d> seed in out kh kw s0 s1 p0 p1 d0 d1
                  op0 op1 groups mode bias

The C program prints the result's dtype, shape, grad_fn graph and values, the gradients
of the inputs that require grad and, for small float64 cases, "fd ok" when its gradients
agree with central differences of its own forward; or PyTorch's error message. Layer
cases print the repr, the parameters' bits after ct_manual_seed(seed), and the next two
numbers of the generator (so a layer draws exactly what PyTorch's draws). A layer whose
fan_in is 0 keeps a zero bias where PyTorch leaves torch.empty's bytes.

Dtypes, shapes, graphs, error messages, reprs and initial parameters must be identical,
integer results too. Float results may differ from PyTorch's by rounding only, as
PyTorch's float32 convolutions mostly run in oneDNN, which sums in its own order: each
element must lie within 2 * eps * (K + 2) * m of PyTorch's, where m is the same
computation on the absolute values of all inputs (in float64) and K the longest sum in
the case. The cases run twice: with ctorch's default GEMM (OpenBLAS when built with it) and with
CTORCH_GEMM=fallback (the portable blocked GEMM); and once more on one thread, whose
answers must be identical to the default run's (on PyTorch's number of threads). The driver reports how many float
elements are bit-identical to PyTorch's by PyTorch backend: its slow paths (all float64 convolutions, float32 transposed ones and a
few small float32 shapes) make the same BLAS calls as ctorch's default GEMM, so those
match bit for bit except where PyTorch takes its channels-last path (inputs or weights
laid out that way) or a product degenerates to one row or column (PyTorch passes BLAS
that shape as is, ctorch as torch.mm would). Then the float32 cases of conv_onednn.py,
on one thread on both sides, must be bit-identical: there ctorch sums in oneDNN's order.
"""
import math
import os
import random
import sys
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import conv_onednn  # noqa: E402
from harness import (compare_op_answer, parse_op_answer, BITS, FLOATS, NAME, Checker, Strided, error_text, flat,  # noqa: E402
                     gradients_with_magnitudes, graph, op_inputs, run_c, storage_size, strides_for, values)

EPS = {"float32": 2.0 ** -24, "float64": 2.0 ** -53}
OPS = ("conv1d", "conv2d", "conv_transpose2d")


class Options:
    def __init__(self, stride=(1, 1), padding=(0, 0), dilation=(1, 1), output_padding=(0, 0), groups=1,
                 mode="explicit"):
        self.stride, self.padding, self.dilation = list(stride), list(padding), list(dilation)
        self.output_padding, self.groups, self.mode = list(output_padding), groups, mode

    def encode(self):
        nums = self.stride + self.padding + self.dilation + self.output_padding + [self.groups]
        return " ".join(str(v) for v in nums) + f" {self.mode}"


def opts(op, stride=1, padding=0, dilation=1, output_padding=0, groups=1, mode="explicit"):
    """Options from ints (both entries) or pairs; conv1d uses entry 0."""
    pair = lambda v: list(v) if isinstance(v, (tuple, list)) else [v, v]  # noqa: E731
    return Options(pair(stride), pair(padding), pair(dilation), pair(output_padding), groups, mode)


class Case:
    def __init__(self, op, specs, options):
        self.op, self.specs, self.o = op, specs, options


def make(rng, shape, dt, rg=False, layout="contiguous"):
    """A tensor spec; layout "random" permutes dims and steps through memory half of the time."""
    nd = len(shape)
    order, steps, offset = list(range(nd)), [1] * nd, 0
    if layout == "random" and nd > 1 and rng.random() < 0.5:
        rng.shuffle(order)
        steps = [rng.choice([1, 1, 2]) for _ in range(nd)]
        offset = rng.randrange(0, 3)
    strides = strides_for(shape, order, steps)
    size = storage_size(shape, strides, offset)
    if dt in FLOATS:
        buf = [rng.uniform(-2, 2) for _ in range(size)]
    elif dt == "bool":
        buf = [rng.random() < 0.5 for _ in range(size)]
    else:
        buf = [rng.randint(-5, 5) for _ in range(size)]
    return Strided(dt, shape, strides, offset, buf, rg)


def torch_op(case, ts):
    o, (x, w), b = case.o, ts[:2], (ts[2] if len(ts) > 2 else None)
    if case.op == "conv1d":
        pad = o.padding[0] if o.mode == "explicit" else o.mode
        return F.conv1d(x, w, b, o.stride[0], pad, o.dilation[0], o.groups)
    if case.op == "conv2d":
        pad = tuple(o.padding) if o.mode == "explicit" else o.mode
        return F.conv2d(x, w, b, tuple(o.stride), pad, tuple(o.dilation), o.groups)
    pad = tuple(o.padding) if o.mode == "explicit" else o.mode
    return F.conv_transpose2d(x, w, b, stride=tuple(o.stride), padding=pad, output_padding=tuple(o.output_padding),
                              groups=o.groups, dilation=tuple(o.dilation))


def backend_of(case):
    """PyTorch's CPU backend for the case (float cases that ran), for the statistics."""
    x, w = (s.view().detach() for s in case.specs[:2])
    if x.dim() == w.dim() - 1:
        x = x.unsqueeze(0)
    if x.dim() == 3:
        x, w = x.unsqueeze(2), w.unsqueeze(2)
        st, pd, dl = [1, case.o.stride[0]], [0, case.o.padding[0]], [1, case.o.dilation[0]]
    else:
        st, pd, dl = case.o.stride, case.o.padding, case.o.dilation
    tr = case.op == "conv_transpose2d"
    return str(torch._C._select_conv_backend(x, w, None, st, pd, dl, tr, case.o.output_padding, case.o.groups)
               ).split(".")[-1]


def longest_sum(case, out):
    """The longest sum any result or gradient element of the case takes."""
    x, w = case.specs[0].shape, case.specs[1].shape
    kernel = math.prod(w[2:])
    batch = x[0] if len(x) == len(w) else 1
    return max(w[1] * kernel, w[0] // max(case.o.groups, 1) * kernel, batch * math.prod(out.shape[2:]),
               batch * math.prod(x[2:]), 1)


def run_torch(case, rng):
    """Returns (case line, expected answer as a dict)."""
    ts = [s.view() for s in case.specs]
    head = f"{case.op} {case.o.encode()} "
    try:
        out = torch_op(case, ts)
    except (RuntimeError, ValueError, TypeError, IndexError) as ex:
        return head + op_inputs(case.specs), {"err": error_text(ex)}
    want = {"dt": NAME[out.dtype], "shape": f"torch.Size({list(out.shape)})", "fn": graph(out.grad_fn),
            "v": flat(out), "k": longest_sum(case, out)}
    if want["dt"] in FLOATS:
        want["backend"] = backend_of(case) if out.numel() else "Empty"
        absolute = [s.view(absolute=True).requires_grad_(s.requires_grad) for s in case.specs]
        want["m"] = flat(torch_op(case, [a.detach() for a in absolute]))
    if not out.requires_grad:
        return head + op_inputs(case.specs), want
    w = torch.tensor([rng.uniform(-2, 2) for _ in range(out.numel())], dtype=out.dtype).reshape(out.shape)
    # Finite differences rerun the op twice per input element: small float64 cases only.
    fd = int(all(s.name == "float64" for s in case.specs if s.requires_grad) and
             sum(math.prod(s.shape) for s in case.specs) <= 300)
    line = head + op_inputs(case.specs, w, fd)
    out.backward(w)
    torch_op(case, absolute).backward(w.double().abs())
    want["g"] = gradients_with_magnitudes(case.specs, ts, absolute)
    want["fd"] = bool(fd)
    return line, want


class Stats:
    def __init__(self):
        self.floats = {}  # (dtype, backend) -> [elements, bit-identical]

    def count(self, key, identical):
        entry = self.floats.setdefault(key, [0, 0])
        entry[0] += 1
        entry[1] += identical

    def report(self):
        parts = [f"{dt} {backend}: {same}/{n}" for (dt, backend), (n, same) in sorted(self.floats.items())]
        print("bit-identical float elements by PyTorch backend: " + ", ".join(parts))


def close(got, want, mags, dt, k, stats, backend):
    """Elementwise check within the rounding bound; counts bit-identical elements."""
    if got is None or len(got) != len(want):
        return False
    if dt not in FLOATS:
        return got == want
    for g, w, m in zip(got, want, mags):
        identical = g == w or (math.isnan(g) and math.isnan(w))
        stats.count((dt, backend), identical)
        if not identical and not abs(g - w) <= 2 * EPS[dt] * (k + 2) * m + 1e-300:
            return False
    return True


def compare(got, want, stats):
    """Returns None when the answers agree, else a reason."""
    backend = want.get("backend")
    return compare_op_answer(got, want, lambda g, w, m: close(g, w, m, want["dt"], want["k"], stats, backend))


# ---- case generators -------------------------------------------------------------

def random_case(rng, op):
    """A random valid (or nearly valid) convolution of op's kind."""
    dims = 1 if op == "conv1d" else 2
    transposed = op == "conv_transpose2d"
    dt = rng.choice(FLOATS) if rng.random() < 0.92 else rng.choice(["int64", "int32"] if not transposed else ["int64"])
    groups = rng.choice([1, 1, 1, 2, 3])
    cin_g, cout_g = rng.randint(1, 3), rng.randint(1, 3)
    n = rng.choice([1, 1, 2, 3])
    k = [rng.randint(1, 4) for _ in range(dims)]
    s = [rng.choice([1, 1, 2, 3]) for _ in range(dims)]
    d = [rng.choice([1, 1, 1, 2, 3]) for _ in range(dims)]
    p = [rng.randint(0, 2) for _ in range(dims)]
    size = [max(1, (dd * (kk - 1) + 1) - 2 * pp) + rng.randint(0, 6) for kk, dd, pp in zip(k, d, p)]
    if transposed:
        size = [rng.randint(1, 6) for _ in range(dims)]
        op_pad = [rng.randint(0, max(ss, dd) - 1) for ss, dd in zip(s, d)]
        xs, ws = [n, groups * cin_g] + size, [groups * cin_g, cout_g] + k
    else:
        op_pad = [0] * dims
        xs, ws = [n, groups * cin_g] + size, [groups * cout_g, cin_g] + k
    mode = "explicit"
    if not transposed and rng.random() < 0.15:
        mode = rng.choice(["same", "valid"])
        if mode == "same":
            s = [1] * dims
    unbatched = rng.random() < 0.1
    if unbatched:
        xs = xs[1:]
    fl = dt in FLOATS
    rg = [fl and rng.random() < 0.85 for _ in range(3)]
    specs = [make(rng, xs, dt, rg[0], "random"), make(rng, ws, dt, rg[1], "random")]
    if rng.random() < 0.7:
        specs.append(make(rng, [ws[1] * groups if transposed else ws[0]], dt, rg[2]))
    pair = lambda v: v * 2 if dims == 1 else v  # noqa: E731
    return Case(op, specs, Options(pair(s), pair(p), pair(d), pair(op_pad), groups, mode))


def structure_cases(rng):
    """Shapes PyTorch sends to different backends, kernels wider than high, 1x1 kernels
    (no unfolding), 'same' with even kernels (padded input), larger products."""
    cases = []
    F32, F64 = "float32", "float64"
    for dt in FLOATS:
        M = lambda shape, rg=True, layout="contiguous": make(rng, shape, dt, rg, layout)  # noqa: E731
        cases += [
            Case("conv2d", [M([2, 3, 7, 6]), M([4, 3, 3, 2]), M([4])], opts("conv2d")),
            Case("conv2d", [M([1, 3, 7, 6]), M([4, 3, 3, 3]), M([4])], opts("conv2d", padding=1)),
            Case("conv2d", [M([1, 3, 7, 6]), M([4, 3, 5, 5]), M([4])], opts("conv2d", padding=2)),
            Case("conv2d", [M([2, 4, 5, 5]), M([6, 4, 1, 1]), M([6])], opts("conv2d")),
            Case("conv2d", [M([1, 4, 5, 5]), M([6, 4, 1, 1])], opts("conv2d")),
            Case("conv2d", [M([17, 2, 3, 3], False), M([3, 2, 1, 1]), M([3])], opts("conv2d")),
            Case("conv2d", [M([2, 4, 5, 5]), M([6, 4, 1, 1]), M([6])], opts("conv2d", stride=2)),
            Case("conv2d", [M([2, 4, 5, 5]), M([4, 1, 3, 3]), M([4])], opts("conv2d", padding=1, groups=4)),
            Case("conv2d", [M([2, 6, 9, 8]), M([4, 3, 3, 2]), M([4])],
                 opts("conv2d", stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2)),
            Case("conv2d", [M([3, 5, 6]), M([2, 3, 3, 3]), M([2])], opts("conv2d")),
            Case("conv2d", [M([2, 3, 6, 7]), M([2, 3, 4, 2]), M([2])], opts("conv2d", mode="same")),
            Case("conv2d", [M([2, 3, 6, 7]), M([2, 3, 3, 2]), M([2])], opts("conv2d", dilation=(2, 1), mode="same")),
            Case("conv2d", [M([3, 6, 7]), M([2, 3, 4, 4])], opts("conv2d", mode="same")),
            Case("conv2d", [M([2, 3, 6, 7], False), M([2, 3, 4, 4])], opts("conv2d", mode="same")),
            Case("conv2d", [M([2, 3, 6, 7]), M([2, 3, 4, 4], False)], opts("conv2d", mode="same")),
            Case("conv2d", [M([2, 3, 6, 7]), M([2, 3, 3, 5]), M([2])], opts("conv2d", mode="valid", stride=2)),
            Case("conv2d", [M([2, 3, 8, 8], True, "random"), M([5, 3, 3, 3], True, "random"), M([5])],
                 opts("conv2d", padding=1)),
            Case("conv2d", [M([2, 16, 12, 12]), M([32, 16, 3, 3]), M([32])], opts("conv2d", padding=1)),
            Case("conv2d", [M([1, 8, 20, 20]), M([8, 8, 3, 3])], opts("conv2d", stride=2, padding=1)),
            # several threads and several chunks of images for the weight gradient
            Case("conv2d", [M([12, 8, 20, 20]), M([16, 8, 3, 3]), M([16])], opts("conv2d", padding=1)),
            Case("conv2d", [M([10, 3, 6, 6]), M([4, 3, 3, 3]), M([4])], opts("conv2d", dilation=(2, 1))),
            Case("conv1d", [M([2, 3, 9]), M([4, 3, 3]), M([4])], opts("conv1d", stride=2, padding=1, dilation=2)),
            Case("conv1d", [M([3, 9]), M([4, 3, 4]), M([4])], opts("conv1d", mode="same")),
            Case("conv1d", [M([2, 4, 9]), M([4, 2, 1]), M([4])], opts("conv1d", groups=2)),
            Case("conv1d", [M([1, 2, 30]), M([3, 2, 5])], opts("conv1d", padding=4, dilation=3)),
            Case("conv_transpose2d", [M([2, 4, 3, 4]), M([4, 3, 3, 3]), M([3])],
                 opts("conv_transpose2d", stride=2, padding=1, output_padding=1)),
            Case("conv_transpose2d", [M([2, 4, 3, 4]), M([4, 2, 2, 3]), M([4])],
                 opts("conv_transpose2d", stride=(2, 3), groups=2, dilation=(2, 1), output_padding=(1, 2))),
            Case("conv_transpose2d", [M([1, 3, 4, 4]), M([3, 2, 1, 1]), M([2])],
                 opts("conv_transpose2d", dilation=2, output_padding=1)),
            Case("conv_transpose2d", [M([3, 4, 4]), M([3, 2, 3, 3])], opts("conv_transpose2d", padding=1)),
            Case("conv_transpose2d", [M([2, 4, 4, 4]), M([4, 1, 3, 3]), M([4])], opts("conv_transpose2d", groups=4)),
            Case("conv_transpose2d", [M([2, 16, 6, 6]), M([16, 8, 4, 4]), M([8])],
                 opts("conv_transpose2d", stride=2, padding=1)),
            # only some inputs require grad; a bias without a gradient
            Case("conv2d", [M([2, 3, 5, 5], False), M([4, 3, 3, 3]), M([4], False)], opts("conv2d")),
            Case("conv2d", [M([2, 3, 5, 5]), M([4, 3, 3, 3], False), M([4])], opts("conv2d")),
            Case("conv_transpose2d", [M([2, 3, 3, 3]), M([3, 2, 2, 2], False), M([2], False)],
                 opts("conv_transpose2d")),
            # empty batches and channels
            Case("conv2d", [M([0, 3, 6, 6]), M([4, 3, 3, 3]), M([4])], opts("conv2d", stride=2, padding=1)),
            Case("conv2d", [M([2, 0, 6, 6]), M([4, 0, 3, 3]), M([4])], opts("conv2d")),
            Case("conv2d", [M([0, 6, 6]), M([4, 0, 3, 3]), M([4])], opts("conv2d")),
            Case("conv1d", [M([0, 3, 6]), M([4, 3, 3]), M([4])], opts("conv1d")),
            Case("conv_transpose2d", [M([0, 4, 3, 3]), M([4, 2, 2, 3]), M([2])],
                 opts("conv_transpose2d", stride=2, output_padding=1)),
            Case("conv2d", [M([0, 3, 4, 4]), M([4, 3, 0, 1]), M([4])], opts("conv2d")),
            Case("conv_transpose2d", [M([0, 4, 1, 1]), M([4, 2, 3, 3]), M([2])], opts("conv_transpose2d", padding=4)),
        ]
    # infinities and NaNs reach exactly the outputs and gradients whose sums they enter
    for dt in FLOATS:
        for op, xs, ws, kw in (("conv2d", [2, 3, 6, 7], [4, 3, 3, 3], dict(padding=1)),
                               ("conv2d", [2, 3, 6, 11], [5, 3, 2, 3], dict(stride=(2, 1), dilation=(1, 2))),
                               ("conv1d", [2, 2, 13], [3, 2, 3], dict(padding=2)),
                               ("conv_transpose2d", [2, 3, 4, 5], [3, 2, 3, 3], dict(padding=1))):
            x = make(rng, xs, dt, True)
            for k in rng.sample(range(len(x.buf)), 3):
                x.buf[k] = rng.choice([math.inf, -math.inf, math.nan])
            cases.append(Case(op, [x, make(rng, ws, dt, True), make(rng, [ws[1] if op == "conv_transpose2d" else
                                                                             ws[0]], dt, True)], opts(op, **kw)))
    # bias of another dtype: converted by PyTorch's slow paths (conv1d and the 'same' /
    # 'valid' conv2d have no dtype check of their own)
    cases += [Case("conv1d", [make(rng, [1, 3, 8], F64, True), make(rng, [4, 3, 3], F64, True),
                              make(rng, [4], F32, True)], opts("conv1d")),
              Case("conv2d", [make(rng, [1, 3, 5, 5], F64, True), make(rng, [4, 3, 3, 3], F64, True),
                              make(rng, [4], F32, True)], opts("conv2d", mode="same")),
              Case("conv1d", [make(rng, [2, 3, 8], "int32"), make(rng, [4, 3, 3], "int32"),
                              make(rng, [4], F64)], opts("conv1d"))]
    return cases


def error_cases(rng):
    F32, F64, I64, I32, B = "float32", "float64", "int64", "int32", "bool"
    S = lambda shape, dt=F32: make(rng, shape, dt)  # noqa: E731
    C2 = lambda x, w, b=None, **kw: Case("conv2d", [x, w] + ([b] if b else []), opts("conv2d", **kw))  # noqa: E731
    C1 = lambda x, w, b=None, **kw: Case("conv1d", [x, w] + ([b] if b else []), opts("conv1d", **kw))  # noqa: E731
    CT = lambda x, w, b=None, **kw: Case("conv_transpose2d", [x, w] + ([b] if b else []),  # noqa: E731
                                         opts("conv_transpose2d", **kw))
    return [
        # ranks (batchify), weight ranks, parameter lists
        C2(S([2, 3, 8]), S([8, 3, 3, 3])), C2(S([1, 2, 3, 8, 8]), S([8, 3, 3, 3])), C2(S([8]), S([8, 3, 3, 3])),
        C1(S([2, 3, 8, 8]), S([8, 3, 3])), CT(S([3, 8]), S([3, 8, 3, 3])), C2(S([2, 3, 8, 8]), S([8, 3, 3])),
        C2(S([2, 3, 8, 8]), S([8, 3])), C2(S([2, 3, 8, 8]), S([8])), C2(S([2, 3, 8, 8]), S([])),
        C1(S([2, 3, 8]), S([8, 3, 3, 3])), C1(S([2, 3, 4]), S([4, 2])), C2(S([2, 3, 8, 8]), S([8, 3, 3, 3, 3])),
        CT(S([2, 4, 8, 8]), S([4, 2, 3])), C2(S([2, 3, 8, 8]), S([8, 3]), groups=0),
        # channels, groups
        C2(S([2, 3, 8, 8]), S([8, 1, 3, 3])), C2(S([3, 8, 8]), S([8, 1, 3, 3])),
        C2(S([2, 3, 8, 8]), S([8, 1, 3, 3]), groups=2), C2(S([2, 4, 8, 8]), S([6, 1, 3, 3]), groups=4),
        C2(S([2, 4, 8, 8]), S([2, 1, 3, 3]), groups=4), C2(S([2, 4, 8, 8]), S([8, 4, 3, 3]), groups=0),
        C2(S([2, 4, 8, 8]), S([8, 4, 3, 3]), groups=-1), C2(S([2, 4, 8, 8]), S([8, 3, 3, 3]), groups=2),
        C2(S([2, 3, 8, 8]), S([0, 3, 3, 3])), C1(S([2, 3, 4]), S([4, 2, 3])),
        CT(S([2, 3, 8, 8]), S([4, 2, 3, 3])), CT(S([2, 4, 8, 8]), S([4, 2, 3, 3]), groups=3),
        CT(S([2, 6, 8, 8]), S([6, 2, 3, 3]), groups=4), CT(S([2, 6, 8, 8]), S([4, 2, 3, 3]), groups=2),
        CT(S([6, 8, 8]), S([4, 2, 3, 3])), CT(S([2, 0, 8, 8]), S([0, 2, 3, 3]), S([2])),
        # stride, padding, dilation, output_padding
        C2(S([2, 3, 8, 8]), S([8, 3, 3, 3]), stride=0), C2(S([2, 3, 8, 8]), S([8, 3, 3, 3]), stride=(1, -1)),
        C2(S([2, 3, 8, 8]), S([8, 3, 3, 3]), padding=-1), C2(S([2, 3, 8, 8]), S([8, 3, 3, 3]), dilation=0),
        C2(S([2, 3, 8, 8]), S([8, 3, 3, 3]), dilation=-1), C2(S([2, 3, 8, 8]), S([8, 3, 3, 3]), padding=-1, stride=0),
        C2(S([2, 3, 8, 8]), S([8, 3, 3, 3]), dilation=0, stride=0), C2(S([2, 3, 8, 8]), S([8, 2, 3, 3]), dilation=0),
        C2(S([2, 3, 8, 8]), S([8, 2, 3, 3]), stride=0), C2(S([2, 3, 8, 8]), S([8, 3, 3, 3]), groups=0, stride=0),
        C2(S([1, 3, 8, 8]), S([8, 3, 3, 3]), dilation=0), C2(S([1, 3, 8, 8], F64), S([8, 3, 3, 3], F64), dilation=(1, 0)),
        C2(S([1, 3, 8, 8], F64), S([8, 3, 3, 3], F64), dilation=(-1, 2)), C1(S([2, 3, 8]), S([4, 3, 3]), dilation=0),
        C1(S([2, 3, 8], F64), S([4, 3, 3], F64), dilation=0), C2(S([2, 3, 8, 8]), S([8, 3, 3, 3]), dilation=(1, -1)),
        CT(S([2, 4, 8, 8]), S([4, 2, 3, 3]), output_padding=1), CT(S([2, 4, 8, 8]), S([4, 2, 3, 3]), stride=2,
                                                                   output_padding=2),
        CT(S([2, 4, 8, 8]), S([4, 2, 3, 3]), stride=(1, 2), dilation=3, output_padding=(0, 3)),
        CT(S([2, 4, 8, 8]), S([4, 2, 3, 3]), stride=2, output_padding=-1),
        CT(S([2, 4, 8, 8]), S([4, 2, 3, 3]), stride=0), CT(S([2, 4, 8, 8]), S([4, 2, 3, 3]), padding=-1),
        CT(S([2, 4, 8, 8]), S([4, 2, 3, 3]), dilation=0), CT(S([2, 4, 8, 8]), S([4, 2, 3, 3]), dilation=(1, 0)),
        CT(S([2, 4, 8, 8]), S([4, 2, 3, 3]), dilation=-1), CT(S([2, 4, 8, 8]), S([4, 2, 3, 3]), groups=0),
        CT(S([2, 4, 8, 8]), S([4, 2, 3, 3]), dilation=0, output_padding=3, stride=2),
        CT(S([2, 4, 1, 1], F64), S([4, 2, 3, 3], F64), output_padding=3, stride=2, padding=5),
        # kernel larger than the padded input; empty spatial dims; output too small
        C2(S([2, 3, 4, 4]), S([8, 3, 5, 5])), C2(S([2, 3, 4, 4]), S([8, 3, 7, 3]), padding=1),
        C2(S([2, 3, 4, 4]), S([8, 3, 3, 3]), dilation=2), C1(S([2, 3, 4]), S([4, 3, 7]), padding=1),
        C2(S([2, 3, 0, 8]), S([8, 3, 3, 3]), padding=1), C2(S([2, 3, 0, 8]), S([8, 3, 1, 1])),
        C2(S([2, 3, 5, 0]), S([4, 3, 1, 1]), padding=(0, 1)), C1(S([2, 3, 0]), S([4, 3, 1]), padding=1),
        C2(S([0, 3, 2, 2]), S([4, 3, 3, 3])), CT(S([2, 4, 2, 2]), S([4, 2, 3, 3]), padding=3),
        CT(S([2, 4, 1, 1]), S([4, 2, 1, 1]), padding=1), CT(S([2, 4, 0, 8]), S([4, 2, 3, 3])),
        CT(S([2, 4, 1, 1], B), S([4, 2, 3, 3], B), padding=5), Case("conv_transpose2d", [S([2, 4, 1]), S([4, 2, 3])],
                                                                     opts("conv_transpose2d")),
        # zero kernels, empty weights
        C2(S([2, 3, 8, 8]), S([8, 3, 0, 3])), C2(S([1, 3, 8, 8]), S([8, 3, 0, 3])),
        C2(S([2, 3, 8, 8], F64), S([8, 3, 0, 3], F64)), C2(S([2, 3, 8, 8], F64), S([4, 3, 0, 3], F64), dilation=2),
        C2(S([2, 3, 8, 8], F64), S([4, 3, 0, 3], F64), dilation=0), C1(S([2, 3, 8], F64), S([4, 3, 0], F64)),
        C1(S([2, 3, 8], F64), S([4, 3, 0], F64), dilation=2), C2(S([2, 3, 8, 8]), S([4, 3, 0, 3]), dilation=2),
        C2(S([2, 3, 8, 8]), S([4, 3, 0, 3]), dilation=0), CT(S([2, 4, 8, 8], F64), S([4, 2, 0, 3], F64)),
        CT(S([2, 4, 8, 8], F64), S([4, 2, 0, 3], F64), dilation=0), CT(S([2, 4, 8, 8]), S([4, 0, 3, 3])),
        CT(S([2, 4, 8, 8]), S([4, 0, 3, 3]), groups=2), CT(S([0, 4, 3, 3]), S([4, 2, 0, 3]), S([2])),
        # bias shapes
        C2(S([2, 3, 8, 8]), S([8, 3, 3, 3]), S([7])), C2(S([2, 3, 8, 8]), S([8, 3, 3, 3]), S([8, 1])),
        C2(S([2, 3, 8, 8]), S([8, 3, 3, 3]), S([])), C2(S([2, 3, 8, 8]), S([8, 2, 3, 3]), S([7])),
        C2(S([2, 3, 2, 2]), S([8, 3, 3, 3]), S([7])), CT(S([2, 4, 8, 8]), S([4, 2, 3, 3]), S([3])),
        C1(S([2, 3, 8]), S([4, 3, 3]), S([3])),
        # dtypes, on each of PyTorch's backends
        C2(S([2, 3, 8, 8]), S([8, 3, 3, 3], F64)), C2(S([2, 3, 8, 8], F64), S([8, 3, 3, 3])),
        C2(S([2, 3, 8, 8]), S([8, 3, 3, 3]), S([8], F64)), C2(S([3, 8, 8]), S([8, 3, 3, 3]), S([8], F64)),
        C2(S([2, 3, 8, 8], F64), S([8, 3, 3, 3], F64), S([8])), C2(S([2, 3, 8, 8], F64), S([8, 3, 3, 3]), S([8], F64)),
        C2(S([2, 3, 8, 8], I64), S([8, 3, 3, 3])), C2(S([2, 3, 8, 8]), S([8, 3, 3, 3], I64)),
        C2(S([2, 3, 8, 8], F64), S([8, 3, 3, 3], I64)), C2(S([2, 3, 8, 8]), S([8, 3, 3, 3], I32)),
        C2(S([2, 3, 8, 8]), S([8, 3, 3, 3], B)), C2(S([1, 3, 8, 8]), S([8, 3, 3, 3], F64)),
        C2(S([1, 3, 8, 8]), S([8, 3, 3, 3], I64)), C2(S([1, 4, 8, 8]), S([8, 2, 3, 3], F64), groups=2),
        C2(S([1, 3, 8, 8]), S([8, 3, 1, 1], F64)), C2(S([2, 3, 8, 8], B), S([8, 3, 3, 3], B)),
        C2(S([2, 3, 8, 8], B), S([8, 3, 3, 3])), C2(S([2, 3, 8, 8], F64), S([8, 3, 3, 3], B)),
        C2(S([2, 3, 8, 8], I64), S([8, 3, 3, 3], I64), S([8], I32)), C2(S([1, 3, 8, 8], I32), S([8, 3, 3, 3], I32),
                                                                        S([8], B)),
        C2(S([2, 3, 8, 8], B), S([8, 3, 3, 3], B), dilation=2), C2(S([2, 3, 8, 8], I32), S([8, 3, 3, 3], I32),
                                                                   dilation=2),
        C2(S([2, 3, 8, 8], F64), S([8, 3, 3, 3]), dilation=2), C2(S([2, 3, 8, 8], B), S([8, 3, 3, 3]), dilation=2),
        C2(S([2, 3, 8, 8], F64), S([8, 3, 3, 3]), dilation=0), C2(S([2, 3, 8, 8], B), S([8, 3, 3, 3], B), dilation=0),
        C2(S([2, 3, 8, 8]), S([8, 3, 3, 3], F64), dilation=0), C1(S([2, 3, 8]), S([4, 3, 3]), S([4], F64), dilation=0),
        C1(S([2, 3, 8]), S([4, 3, 3]), S([4], I64)), C1(S([2, 4, 8], B), S([4, 4, 3], B)),
        CT(S([2, 4, 8, 8]), S([4, 2, 3, 3], F64)), CT(S([2, 4, 8, 8], F64), S([4, 2, 3, 3])),
        CT(S([2, 4, 8, 8]), S([4, 2, 3, 3]), S([2], F64)), CT(S([2, 4, 8, 8], F64), S([4, 2, 3, 3], F64), S([2])),
        CT(S([2, 4, 8, 8], F64), S([4, 2, 3, 3]), S([2], F64)), CT(S([2, 4, 8, 8], B), S([4, 2, 3, 3], B)),
        CT(S([2, 4, 8, 8], B), S([4, 2, 3, 3])), CT(S([2, 4, 8, 8], I32), S([4, 2, 3, 3], I32)),
        CT(S([2, 4, 8, 8], I32), S([4, 2, 3, 3])), CT(S([2, 4, 8, 8], F64), S([4, 1, 3, 3]), groups=2),
        C2(S([0, 3, 8, 8]), S([8, 3, 3, 3]), S([8], F64)),
        # padding='same' / 'valid'
        C2(S([2, 3, 8, 8]), S([8, 3, 3, 3]), stride=2, mode="same"), C2(S([3, 8, 8]), S([8, 3, 3, 3]), stride=2,
                                                                        mode="same"),
        C2(S([3, 8]), S([8, 3, 3, 3]), mode="same"), C2(S([2, 3, 5, 5]), S([4, 3, 4]), mode="same"),
        C2(S([2, 3, 5, 5]), S([4, 3]), mode="same"), C2(S([2, 3, 5, 5]), S([4, 3, 4]), mode="valid"),
        C2(S([2, 3, 5, 5]), S([4, 2, 4, 4]), mode="same"), C2(S([3, 5, 5]), S([4, 2, 4, 4]), mode="same"),
        C2(S([2, 3, 5, 5]), S([4, 3, 4, 4]), S([3]), mode="same"), C2(S([2, 3, 5, 5]), S([4, 3, 4, 4]), stride=0,
                                                                      mode="same"),
        C2(S([2, 3, 5, 5]), S([4, 3, 4, 4]), dilation=0, mode="same"),
        C2(S([2, 3, 5, 5]), S([4, 3, 4, 4]), groups=0, mode="same"),
        C2(S([2, 3, 5, 5]), S([4, 3, 4, 4]), dilation=-1, mode="same"),
        C2(S([2, 3, 5, 5]), S([4, 3, 2, 2]), dilation=-1, mode="same"),
        C2(S([2, 3, 5, 5]), S([4, 3, 1, 1]), dilation=-1, mode="same"),
        C2(S([2, 3, 5, 5], F64), S([4, 3, 1, 1], F64), dilation=-1, mode="same"),
        C2(S([2, 3, 5, 5], F64), S([4, 3, 1, 1], F64), dilation=0, mode="valid"),
        C2(S([2, 3, 2, 2]), S([4, 3, 3, 3]), mode="valid"), C2(S([2, 3, 5, 5]), S([4, 3, 4, 4], F64), mode="same"),
        C1(S([2, 3, 8]), S([3, 3, 3]), S([3], F64), mode="same"), C1(S([2, 3, 8]), S([3, 3, 3]), stride=2, mode="same"),
        CT(S([2, 4, 8, 8]), S([4, 2, 3, 3]), mode="same"), CT(S([2, 4, 8, 8]), S([4, 2, 3, 3]), mode="valid"),
    ]


# ---- layers ----

LAYER_KINDS = {"Conv1d": nn.Conv1d, "Conv2d": nn.Conv2d, "ConvTranspose2d": nn.ConvTranspose2d}


def layer_line(kind, seed, cin, cout, k, o, bias):
    kh, kw = (k, k) if isinstance(k, int) else k
    return f"module {kind} {seed} {cin} {cout} {kh} {kw} {o.encode()} {int(bias)}"


def layer_answer(kind, seed, cin, cout, k, o, bias):
    one = kind == "Conv1d"
    ks = k if one else ((k, k) if isinstance(k, int) else tuple(k))
    pick = (lambda v: v[0]) if one else tuple
    pad = o.mode if o.mode != "explicit" else pick(o.padding)
    kwargs = dict(stride=pick(o.stride), padding=pad, dilation=pick(o.dilation), groups=o.groups, bias=bias)
    if kind == "ConvTranspose2d":
        kwargs["output_padding"] = pick(o.output_padding)
    torch.manual_seed(seed)
    try:
        m = LAYER_KINDS[kind](cin, cout, ks, **kwargs)
    except (RuntimeError, ValueError, TypeError) as ex:
        return f"err {error_text(ex)}\n"
    text = f"repr {m!r}\n"
    fan_in = m.weight.shape[1] * math.prod(m.weight.shape[2:])
    for name, p in m.named_parameters():
        if name == "bias" and fan_in == 0:  # PyTorch leaves torch.empty's bytes; ctorch zeros
            p = torch.zeros_like(p)
        text += f"p {name}{values(p, BITS)}\n"
    return text + f"next{values(torch.rand(2), BITS)}\n"  # the generator drew what PyTorch's did


def layer_cases(rng):
    """(kind, seed, in, out, kernel, options, bias) of layers to make."""
    cases = [
        ("Conv2d", 0, 1, 8, 3, opts("conv2d", padding=1), True), ("Conv2d", 0, 8, 16, 3, opts("conv2d", padding=1), True),
        ("Conv2d", 1, 1, 8, 3, opts("conv2d"), True), ("Conv2d", 2, 2, 8, (3, 5), opts("conv2d", stride=(2, 1),
                                                                                         padding=(1, 2), dilation=2,
                                                                                         groups=2), False),
        ("Conv2d", 3, 1, 8, 3, opts("conv2d", mode="same"), True), ("Conv2d", 3, 1, 8, 3, opts("conv2d", mode="valid"),
                                                                    True),
        ("Conv1d", 4, 2, 4, 3, opts("conv1d"), True), ("Conv1d", 5, 2, 4, 3, opts("conv1d", dilation=2, mode="same"),
                                                       True),
        ("Conv1d", 6, 6, 4, 5, opts("conv1d", stride=3, padding=2, groups=2), False),
        ("ConvTranspose2d", 7, 4, 2, 3, opts("conv_transpose2d"), True),
        ("ConvTranspose2d", 8, 4, 2, 3, opts("conv_transpose2d", stride=2, padding=1, dilation=2, output_padding=1,
                                             groups=2), False),
        ("ConvTranspose2d", 9, 6, 9, (2, 4), opts("conv_transpose2d", groups=3), True),
        ("Conv2d", 10, 0, 8, 3, opts("conv2d"), True), ("Conv2d", 11, 1, 0, 3, opts("conv2d"), True),
        ("Conv2d", 12, 1, 8, 0, opts("conv2d"), True), ("Conv2d", 13, 1, 8, 3, opts("conv2d", stride=0), True),
        # _ConvNd.__init__'s errors
        ("Conv2d", 0, 1, 8, 3, opts("conv2d", groups=0), True), ("Conv2d", 0, 3, 8, 3, opts("conv2d", groups=2), True),
        ("Conv2d", 0, 4, 6, 3, opts("conv2d", groups=4), True), ("Conv2d", 0, 2, 4, 3, opts("conv2d", groups=-2), True),
        ("Conv2d", 0, 1, 8, 3, opts("conv2d", stride=2, mode="same"), True),
        ("Conv2d", 0, 1, 8, 3, opts("conv2d", stride=0, mode="same"), True),
        ("Conv1d", 0, 1, 2, 3, opts("conv1d", stride=2, mode="same"), True),
        ("Conv2d", 0, -1, 8, 3, opts("conv2d"), True), ("Conv2d", 0, 1, -8, 3, opts("conv2d"), True),
        ("Conv2d", 0, 1, 8, -3, opts("conv2d"), True), ("ConvTranspose2d", 0, -1, 2, 3, opts("conv_transpose2d"), True),
        ("ConvTranspose2d", 0, 4, 6, 3, opts("conv_transpose2d", groups=4), True),
    ]
    for seed in range(20):  # random shapes: the draws of kaiming_uniform_ and the bias
        kind = rng.choice(list(LAYER_KINDS))
        groups = rng.choice([1, 1, 2])
        cin, cout = groups * rng.randint(1, 5), groups * rng.randint(1, 5)
        k = rng.randint(1, 5) if kind == "Conv1d" else (rng.randint(1, 5), rng.randint(1, 5))
        o = opts("conv1d" if kind == "Conv1d" else "conv2d", stride=rng.randint(1, 3), padding=rng.randint(0, 2),
                 groups=groups)
        cases.append((kind, 100 + seed, cin, cout, k, o, rng.random() < 0.8))
    return cases


def main():
    binary = sys.argv[1]
    warnings.simplefilter("ignore")  # 'same' with an even kernel warns once
    # The C program picks PyTorch's backend (for its error wording) with its own thread count.
    os.environ["OMP_NUM_THREADS"] = str(torch.get_num_threads())
    rng = random.Random(1111)
    torch.manual_seed(0)
    cases = structure_cases(rng) + error_cases(rng)
    for op in OPS:
        cases += [random_case(rng, op) for _ in range(90)]
    lines, wants = [], []
    for case in cases:
        line, want = run_torch(case, rng)
        lines.append(line)
        wants.append(want)
    layers = layer_cases(rng)
    layer_lines = [layer_line(*c) for c in layers]
    layer_wants = [layer_answer(*c) for c in layers]

    check = Checker("conv")
    for mode in ("default", "fallback"):  # OpenBLAS (when built with it), then the portable GEMM
        if mode == "fallback":
            os.environ["CTORCH_GEMM"] = "fallback"
        else:
            os.environ.pop("CTORCH_GEMM", None)
        stats = Stats()
        answers = run_c(binary, lines + layer_lines)
        for line, want, text in zip(lines, wants, answers):
            reason = compare(parse_op_answer(text), want, stats)
            check.check(reason is None, f"[{mode}] {reason}: case {line[:300]}\n--- ctorch:\n{text[:2000]}"
                                        f"--- torch:\n{str(want)[:2000]}")
        for line, want, text in zip(layer_lines, layer_wants, answers[len(lines):]):
            check.equal(text, want, line)
        print(f"{mode} GEMM: ", end="")
        stats.report()
        if mode == "default":
            threaded = answers
    # Results do not depend on the number of threads.
    os.environ.pop("CTORCH_GEMM", None)
    os.environ["OMP_NUM_THREADS"] = "1"
    for line, one, many in zip(lines, run_c(binary, lines), threaded):
        check.check(one == many, f"one thread and {torch.get_num_threads()} differ: case {line[:300]}")
    conv_onednn.check(binary, rng, check, sys.modules[__name__])
    check.finish()


if __name__ == "__main__":
    main()
