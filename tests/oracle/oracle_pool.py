"""Pooling against PyTorch: max_pool1d, max_pool2d (with and without indices),
avg_pool2d, adaptive_avg_pool2d and the modules MaxPool1d, MaxPool2d, AvgPool2d,
AdaptiveAvgPool2d (forward and repr).

Cases draw batched and unbatched inputs of float32 and float64 (int64 for avg_pool2d, and
other dtypes for the errors) laid out contiguously, channels-last, or as permuted,
stepped and offset views; windows with every stride, padding, dilation and ceil_mode
PyTorch accepts; values that are continuous, or drawn from a few values (ties, 0.0 against
-0.0), or hold NaN and infinities (max pooling); and arguments PyTorch refuses (each
error message is compared). The gradient of sum(out * w) is taken for inputs that
require grad; "<op>_t" cases permute the result to (N, H, W, C) first, so the gradient
reaches the pooling node with channels-last strides (PyTorch's adaptive kernel then
divides differently). float64 cases without ties are also checked against central
differences of the C side's own forward.

Everything is compared exactly, as text: dtype, shape, grad_fn graph, values (hex floats,
so -0.0 and 0.0 differ), result strides, indices, gradients and error messages. ctorch
sums windows in PyTorch's order, so averages are PyTorch's bits too.

Lines (oracle_pool.c): "op <name> <k0 k1 s0 s1 p0 p1 d0 d1 ceil cip o0 o1> <op inputs>",
where a stride of 0 0 is PyTorch's stride=None and names are the functional ops
(max_pool1d, max_pool1d_idx, max_pool2d, max_pool2d_idx, avg_pool2d,
adaptive_avg_pool2d) or mod_<op> for a module's forward, either followed by _t for the
permuted result; and "repr <op> <args>".
"""
import math
import os
import random
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Checker, Strided, error_text, gradient_answer, result_answer, run_c, storage_size,  # noqa: E402
                     strides_for, tensor_spec, values)

CASES = 1400
REPRS = 80
MAX_FD_ELEMENTS = 300


class Args:
    """A window: kernel, stride ((0, 0): None), padding, dilation, ceil_mode,
    count_include_pad, and adaptive pooling's output size."""

    def __init__(self, kernel=(2, 2), stride=(0, 0), padding=(0, 0), dilation=(1, 1), ceil=False, cip=True,
                 out=(1, 1)):
        self.kernel, self.stride, self.padding, self.dilation = tuple(kernel), tuple(stride), tuple(padding), tuple(
            dilation)
        self.ceil, self.cip, self.out = ceil, cip, tuple(out)

    def encode(self):
        nums = [*self.kernel, *self.stride, *self.padding, *self.dilation, int(self.ceil), int(self.cip), *self.out]
        return " ".join(str(v) for v in nums)


def pair(v):
    """A module argument as the C side stores it: an int when both entries are equal."""
    return v[0] if v[0] == v[1] else v


def stride2(a):
    return None if a.stride == (0, 0) else a.stride


def make_module(op, a):
    if op == "max_pool1d":
        return nn.MaxPool1d(a.kernel[0], a.stride[0] or None, a.padding[0], a.dilation[0], ceil_mode=a.ceil)
    if op == "max_pool2d":
        stride = None if a.stride == (0, 0) else pair(a.stride)
        return nn.MaxPool2d(pair(a.kernel), stride, pair(a.padding), pair(a.dilation), ceil_mode=a.ceil)
    if op == "avg_pool2d":
        stride = None if a.stride == (0, 0) else pair(a.stride)
        return nn.AvgPool2d(pair(a.kernel), stride, pair(a.padding), a.ceil, a.cip)
    return nn.AdaptiveAvgPool2d(pair(a.out))


def torch_op(op, a, x):
    """The op on x: (result, indices or None)."""
    if op.endswith("_t"):
        out, idx = torch_op(op[:-2], a, x)
        return out.permute(*[(1, 0), (1, 2, 0), (0, 2, 3, 1)][out.dim() - 2]), idx
    if op.startswith("mod_"):
        return make_module(op[4:], a)(x), None
    if op.startswith("max_pool1d"):
        r = F.max_pool1d(x, a.kernel[0], a.stride[0] or None, a.padding[0], a.dilation[0], a.ceil,
                         return_indices=op.endswith("_idx"))
    elif op.startswith("max_pool2d"):
        r = F.max_pool2d(x, a.kernel, stride2(a), a.padding, a.dilation, a.ceil, return_indices=op.endswith("_idx"))
    elif op == "avg_pool2d":
        r = F.avg_pool2d(x, a.kernel, stride2(a), a.padding, a.ceil, a.cip)
    else:
        r = F.adaptive_avg_pool2d(x, a.out)
    return r if isinstance(r, tuple) else (r, None)


# ---- inputs ----

def value_maker(rng, dt, kind):
    """Element values: "cont" (continuous), "ties" (a few values, 0.0 and -0.0 among
    them), "special" (continuous with NaN and infinities), "tiny" (subnormals)."""
    if dt in ("int64", "int32"):
        return lambda: rng.randint(-20, 20)
    if dt == "bool":
        return lambda: rng.random() < 0.5
    if kind == "ties":
        return lambda: rng.choice([-1.0, 0.0, -0.0, 0.5, 2.0])
    if kind == "tiny":  # sums of the smallest negative subnormal: averages that round to -0.0
        return lambda: rng.choice([-5e-324 if dt == "float64" else -1.401298464324817e-45, 0.0])
    if kind == "special":
        return lambda: rng.choice([math.nan, math.inf, -math.inf]) if rng.random() < 0.15 else rng.uniform(-3, 3)
    return lambda: rng.uniform(-3, 3)


def make_input(rng, dt, shape, layout, kind, requires_grad):
    nd = len(shape)
    order, steps, offset = list(range(nd)), [1] * nd, 0
    if layout == "cl" and nd == 4:
        order = [0, 2, 3, 1]
    elif layout == "random" and nd > 0:
        rng.shuffle(order)
        steps = [rng.choice([1, 1, 2]) for _ in range(nd)]
        offset = rng.randrange(0, 3)
    strides = strides_for(shape, order, steps)
    make = value_maker(rng, dt, kind)
    buf = [make() for _ in range(storage_size(shape, strides, offset))]
    return Strided(dt, shape, strides, offset, buf, requires_grad)


def gradient(rng, out):
    """w for sum(out * w), rounded to out's dtype."""
    return torch.tensor([rng.uniform(-2, 2) for _ in range(out.numel())], dtype=out.dtype).reshape(out.shape)


# ---- running a case on the PyTorch side ----

def window_escapes(op, a, x):
    """True when some max-pooling window holds no input element (padding and dilation):
    its index lies past the plane and PyTorch's backward writes out of bounds there."""
    if not op.startswith(("max_pool", "mod_max_pool")):
        return False
    with torch.no_grad():
        if "1d" in op:
            _, idx = F.max_pool1d(x, a.kernel[0], a.stride[0] or None, a.padding[0], a.dilation[0], a.ceil,
                                  return_indices=True)
            return bool((idx >= x.shape[-1]).any())
        _, idx = F.max_pool2d(x, a.kernel, stride2(a), a.padding, a.dilation, a.ceil, return_indices=True)
        return bool((idx >= x.shape[-1] * x.shape[-2]).any())


def expected(rng, op, a, s, kind):
    """(case line, expected answer) for op on input spec s."""
    head = f"op {op} {a.encode()} "
    x = s.view()
    try:
        out, idx = torch_op(op, a, x)
    except (RuntimeError, ValueError, IndexError) as ex:
        return head + f"1 {int(s.requires_grad)} {s.encode()} - 0", f"err {error_text(ex)}\n"
    answer = result_answer(out) + "st" + "".join(f" {v}" for v in out.stride()) + "\n"
    if idx is not None:
        answer += "i" + values(idx) + "\n"
    if not out.requires_grad or window_escapes(op, a, x):
        return head + f"1 {int(s.requires_grad)} {s.encode()} - 0", answer
    w = gradient(rng, out)
    w_spec = tensor_spec(w)
    fd = (x.dtype == torch.float64 and kind == "cont" and x.numel() <= MAX_FD_ELEMENTS)
    try:
        out.backward(w)
    except RuntimeError as ex:
        return head + f"1 1 {s.encode()} W {w_spec} 0", answer + f"bwerr {error_text(ex)}\n"
    answer += gradient_answer([s], [x]) + ("fd ok\n" if fd else "")
    return head + f"1 1 {s.encode()} W {w_spec} {int(fd)}", answer


# ---- case generators ----

def rand_window(rng, dims):
    """A valid window over `dims` spatial dims (1 or 2) and its padding."""
    kernel = [rng.randint(1, 4) for _ in range(dims)]
    stride = [0] * dims if rng.random() < 0.4 else [rng.randint(1, 3) for _ in range(dims)]
    padding = [rng.randint(0, k // 2) for k in kernel]
    dilation = [1] * dims if rng.random() < 0.5 else [rng.randint(1, 3) for _ in range(dims)]
    if dims == 1:
        kernel, stride, padding, dilation = kernel * 2, stride * 2, padding * 2, dilation * 2
    return Args(kernel, stride, padding, dilation, rng.random() < 0.5, rng.random() < 0.5,
                (rng.randint(1, 5), rng.randint(1, 5)))


def spatial_size(rng, a, dim):
    """An input size the window fits (with its dilation) most of the time."""
    span = a.dilation[dim] * (a.kernel[dim] - 1) + 1
    return max(1, span - 2 * a.padding[dim] + rng.randint(0, 6))


def valid_case(rng):
    op = rng.choice(["max_pool1d", "max_pool1d_idx", "max_pool2d", "max_pool2d", "max_pool2d_idx", "avg_pool2d",
                     "avg_pool2d", "adaptive_avg_pool2d", "mod_max_pool1d", "mod_max_pool2d", "mod_avg_pool2d",
                     "mod_adaptive_avg_pool2d"])
    one_d = "pool1d" in op
    a = rand_window(rng, 1 if one_d else 2)
    if "avg" in op and "adaptive" not in op:
        a.dilation = (1, 1)
    batched = rng.random() < 0.7
    c = rng.randint(1, 9 if rng.random() < 0.3 else 3)  # above 8: whole vector blocks channels-last
    if one_d:
        shape = [c, spatial_size(rng, a, 1)]
    elif "adaptive" in op:
        shape = [c, rng.randint(1, 9), rng.randint(1, 9)]
        if rng.random() < 0.15:
            a.out = (1, 1)  # PyTorch takes the mean
    else:
        shape = [c, spatial_size(rng, a, 0), spatial_size(rng, a, 1)]
    if batched:
        shape = [rng.choice([0, 1, 2, 3]) if rng.random() < 0.1 else rng.randint(1, 3)] + shape
    dt = rng.choice(["float32", "float64"])
    if op == "avg_pool2d" and rng.random() < 0.1:
        dt = "int64"
    kind = rng.choice(["cont", "cont", "ties"] + (["special"] if "max" in op else []))
    layout = rng.choice(["contiguous", "cl", "random"])
    requires_grad = dt != "int64" and rng.random() < 0.75
    s = make_input(rng, dt, shape, layout, kind, requires_grad)
    if rng.random() < 0.25:
        op += "_t"
    return expected(rng, op, a, s, kind)


def error_case(rng):
    """Arguments or inputs PyTorch refuses (and some near misses it accepts)."""
    op = rng.choice(["max_pool1d", "max_pool1d_idx", "max_pool2d", "max_pool2d_idx", "avg_pool2d",
                     "adaptive_avg_pool2d", "mod_adaptive_avg_pool2d"])
    one_d = "pool1d" in op
    a = rand_window(rng, 1 if one_d else 2)
    base = [2, 3, 5] if one_d else [2, 3, 5, 6]
    shape, dt = list(base), rng.choice(["float32", "float64"])
    what = rng.choice(["rank", "zero", "dtype", "kernel", "stride", "padding", "dilation", "small", "out"])
    d = rng.randrange(2 if not one_d else 1)
    k, st, p, dl = list(a.kernel), list(a.stride), list(a.padding), list(a.dilation)
    if what == "rank":
        shape = [4] * rng.choice([0, 1, 2, 3, 5]) if not one_d else [4] * rng.choice([0, 1, 4])
    elif what == "zero":
        shape[rng.randrange(len(shape))] = 0
        if rng.random() < 0.5:
            shape = shape[1:]
    elif what == "dtype":
        dt = rng.choice(["int32", "int64", "bool"])
    elif what == "kernel":
        k[d] = rng.choice([0, -1, -2])
        p[d] = 0
    elif what == "stride":
        st = [rng.choice([-1, -2, 1]), rng.choice([-1, 2])]
    elif what == "padding":
        p[d] = rng.choice([-1, k[d] // 2 + 1, k[d] // 2 + 2])
    elif what == "dilation":
        dl[d] = rng.choice([0, -1])
    elif what == "small":
        k = [7, 7]
        p = [0, 0]
    else:
        a.out = (rng.choice([-1, 0, 2]), rng.choice([-2, 3]))
    if one_d:
        k, st, p, dl = [k[0]] * 2, [st[0]] * 2, [p[0]] * 2, [dl[0]] * 2
    a.kernel, a.stride, a.padding, a.dilation = tuple(k), tuple(st), tuple(p), tuple(dl)
    requires_grad = dt in ("float32", "float64") and rng.random() < 0.5
    s = make_input(rng, dt, shape, rng.choice(["contiguous", "cl"]), "cont", requires_grad)
    return expected(rng, op, a, s, "cont")


def repr_case(rng):
    op = rng.choice(["max_pool1d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d"])
    a = rand_window(rng, 1 if op == "max_pool1d" else 2)
    if rng.random() < 0.5:  # equal pairs print as ints
        a.kernel, a.stride, a.padding, a.dilation = [(v[0], v[0]) for v in (a.kernel, a.stride, a.padding,
                                                                           a.dilation)]
        a.out = (a.out[0], a.out[0])
    return f"repr {op} {a.encode()}", repr(make_module(op, a)) + "\n"


def fixed_cases():
    """Cases the random ones may miss: the tie and NaN rules, ceil mode's last window,
    windows reaching past the padded input, empty batches, 1x1 adaptive pooling."""
    rng = random.Random(7)
    out = []

    def add(op, a, shape, layout="contiguous", kind="cont", dt="float64", rg=True):
        out.append(expected(rng, op, a, make_input(rng, dt, shape, layout, kind, rg), kind))

    add("max_pool2d_idx", Args((2, 2)), [1, 1, 4, 4], kind="ties")
    add("max_pool2d_idx", Args((3, 3), (1, 1), (1, 1)), [2, 2, 5, 5], kind="special")
    add("max_pool2d_idx", Args((2, 2), (1, 1), (1, 1), (3, 3)), [2, 1, 2, 2])  # a window with no element
    add("max_pool1d_idx", Args((2, 2), (1, 1), (1, 1), (3, 3)), [2, 2])
    add("max_pool2d", Args((3, 3), (2, 2), (1, 1), ceil=True), [1, 2, 6, 6])  # last window dropped
    add("avg_pool2d", Args((3, 3), (2, 2), (1, 1), ceil=True, cip=True), [1, 2, 6, 6])
    add("avg_pool2d", Args((3, 3), (2, 2), (1, 1), ceil=True, cip=False), [1, 2, 6, 6])
    add("avg_pool2d", Args((2, 3), (2, 2), (1, 1), ceil=True), [2, 3, 5, 7], layout="cl")
    add("avg_pool2d", Args((2, 2)), [0, 3, 4, 4])
    for dt in ("float32", "float64"):  # PyTorch's contiguous kernel adds the average to 0: no -0.0
        add("avg_pool2d", Args((2, 2)), [2, 5, 4, 4], kind="tiny", dt=dt)
        add("avg_pool2d", Args((2, 2)), [2, 5, 4, 4], layout="cl", kind="tiny", dt=dt)
    add("max_pool2d", Args((2, 2)), [0, 3, 4, 4], layout="cl")
    add("max_pool1d", Args((2, 2)), [0, 3, 4])
    add("max_pool1d", Args((6, 6)), [2, 3, 5], rg=False)  # values-only path: an empty result
    add("adaptive_avg_pool2d", Args(out=(1, 1)), [2, 3, 5, 4], layout="cl")
    add("adaptive_avg_pool2d", Args(out=(1, 1)), [2, 0, 4])
    add("adaptive_avg_pool2d", Args(out=(0, 2)), [2, 3, 4, 4])
    add("adaptive_avg_pool2d_t", Args(out=(4, 3)), [2, 9, 7, 5], layout="cl", dt="float32")  # gradient channels-last
    add("adaptive_avg_pool2d_t", Args(out=(4, 3)), [2, 9, 7, 5], dt="float64")
    add("adaptive_avg_pool2d_t", Args(out=(11, 7)), [1, 17, 5, 3], layout="cl", dt="float32")
    add("adaptive_avg_pool2d", Args(out=(3, 2)), [2, 6, 7, 5], layout="cl", dt="float64")
    add("mod_adaptive_avg_pool2d_t", Args(out=(3, 3)), [2, 6, 7, 5], dt="float64")
    add("mod_adaptive_avg_pool2d", Args(out=(2, 2)), [5, 5])  # the int argument skips Python's rank check
    add("mod_adaptive_avg_pool2d", Args(out=(1, 1)), [5, 5])
    add("mod_adaptive_avg_pool2d", Args(out=(1, 2)), [5, 5])
    add("max_pool2d", Args((2, 2)), [1, 2, 3, 4, 5], layout="random")
    return out


def main():
    binary = sys.argv[1]
    rng = random.Random(11)
    cases = fixed_cases()
    while len(cases) < CASES:
        cases.append(error_case(rng) if rng.random() < 0.2 else valid_case(rng))
    cases += [repr_case(rng) for _ in range(REPRS)]
    lines, wants = [c[0] for c in cases], [c[1] for c in cases]
    got = run_c(binary, lines)
    check = Checker("oracle_pool")
    for line, g, w in zip(lines, got, wants):
        check.equal(g, w, line[:300])
    count = lambda tag: sum(1 for w in wants if tag in w)  # noqa: E731
    print(f"{count('err ')} errors, {count('g0')} with gradients ({count('fd ok')} also by central differences), "
          f"{count(chr(10) + 'i ')} with indices, {count('bwerr')} backward errors, {REPRS} reprs")
    check.finish()


if __name__ == "__main__":
    main()
