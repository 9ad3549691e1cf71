"""Indexing ops against PyTorch: x[index] (int64 and bool), index_select, gather,
scatter_add, masked_fill, embedding, one_hot.

Each case gives the op, its tensors (a buffer plus strides and offset, so inputs are often
non-contiguous), an int and a float argument, and the gradient `w` of the output (the
gradient of sum(out * w)). Both sides print the result's dtype, shape, grad_fn name and
values, then the gradients of the inputs that require grad; errors print PyTorch's
message. Everything is compared exactly (float values as hex floats). For
float64 cases the C program also checks its gradients against central finite
differences of its own forward and prints "fd ok".

Case line: op iarg farg <op inputs>  (farg as a hex float; op inputs: harness.op_inputs)
"""
import os
import random
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (FLOATS, Checker, rand_shape, error_text, gradient_answer, laid_out, op_inputs, result_answer,  # noqa: E402
                     run_c)



def make_spec(rng, shape, dt, values, noncontig=False, requires_grad=False):
    """An input over a buffer of values(); noncontig: shuffled dims, steps and an offset."""
    nd = len(shape)
    order, steps, offset = list(range(nd)), [1] * nd, 0
    if noncontig and nd > 0:
        rng.shuffle(order)
        steps = [rng.choice([1, 1, 2, 3]) for _ in range(nd)]
        offset = rng.randrange(0, 3)
    return laid_out(dt, shape, values, order, steps, offset, requires_grad)


class Case:
    def __init__(self, op, iarg, farg, specs):
        self.op, self.iarg, self.farg, self.specs = op, iarg, farg, specs


def torch_op(case, ts):
    op, i, f = case.op, case.iarg, case.farg
    if op == "index":
        if ts[1].dim() == 0 and ts[1].dtype == torch.int64:  # Python would select; ct_index is aten::index
            return torch.ops.aten.index.Tensor(ts[0], [ts[1]])
        return ts[0][ts[1]]
    if op == "index_select":
        return torch.index_select(ts[0], int(i), ts[1])
    if op == "gather":
        return torch.gather(ts[0], int(i), ts[1])
    if op == "scatter_add":
        return torch.scatter_add(ts[0], int(i), ts[1], ts[2])
    if op == "masked_fill":
        return ts[0].masked_fill(ts[1], f)
    if op == "embedding":
        return F.embedding(ts[1], ts[0], padding_idx=None if i == "none" else int(i))
    if op == "one_hot":
        return F.one_hot(ts[0], int(i))
    raise ValueError(op)


def run_torch(case, rng):
    """Returns (case line, expected answer)."""
    ts = [s.view() for s in case.specs]
    head = f"{case.op} {case.iarg} {float(case.farg).hex()} "
    try:
        out = torch_op(case, ts)
    except (RuntimeError, IndexError, AssertionError) as ex:
        return head + op_inputs(case.specs), f"err {error_text(ex)}\n"
    text = result_answer(out, graph_depth=0)
    if not out.requires_grad:
        return head + op_inputs(case.specs), text
    w = torch.tensor([rng.uniform(-2, 2) for _ in range(out.numel())], dtype=out.dtype).reshape(out.shape)
    # The padding row's gradient is zero by definition, not the derivative.
    fd = out.dtype == torch.float64 and not (case.op == "embedding" and case.iarg != "none")
    line = head + op_inputs(case.specs, w, fd)
    try:
        out.backward(w)
    except RuntimeError as ex:
        return line, text + f"bwerr {error_text(ex)}\n"
    text += gradient_answer(case.specs, ts)
    if fd:
        text += "fd ok\n"
    return line, text


# ---- case generators -------------------------------------------------------------



def float_values(rng):
    return lambda: rng.uniform(-3, 3)


def data_spec(rng, shape, dt=None, grad_p=0.85):
    dt = dt or rng.choice(["float32", "float32", "float64", "float64", "int64"])
    values = float_values(rng) if dt in FLOATS else (lambda: rng.randint(-9, 9))
    if dt == "bool":
        values = lambda: rng.random() < 0.5  # noqa: E731
    return make_spec(rng, shape, dt, values, noncontig=rng.random() < 0.5, requires_grad=rng.random() < grad_p)


def index_spec(rng, shape, lo, hi, bad_p=0.04, dt="int64", bad_values=()):
    def value():
        if bad_values and rng.random() < bad_p:
            return rng.choice(bad_values)
        return rng.randint(lo, hi - 1) if hi > lo else 0
    return make_spec(rng, shape, dt, value, noncontig=rng.random() < 0.4)


def gen_index(rng):
    xs = rand_shape(rng, 1, 4)
    if rng.random() < 0.3:
        xs[0] = rng.randint(1, 6)
    n = xs[0]
    ishape = rand_shape(rng, 0, 3, smax=5, zero_p=0.05)
    if rng.random() < 0.15:  # a bool mask over the leading dims
        k = rng.randint(0, len(xs))
        mshape = list(xs[:k])
        if rng.random() < 0.1 and k > 0:
            mshape[rng.randrange(k)] += 1
        mask = make_spec(rng, mshape, "bool", lambda: rng.random() < 0.5, noncontig=rng.random() < 0.4)
        return Case("index", 0, 0.0, [data_spec(rng, xs), mask])
    idx = index_spec(rng, ishape, -n, n, bad_values=(n, n + 2, -n - 1))
    if rng.random() < 0.03:
        idx = make_spec(rng, ishape, rng.choice(["int32", "float32"]), lambda: 0)
    return Case("index", 0, 0.0, [data_spec(rng, xs), idx])


def gen_index_select(rng):
    xs = rand_shape(rng, 0, 4)
    nd = max(len(xs), 1)
    dim = rng.randint(-nd, nd - 1)
    n = xs[dim] if xs else 1
    ishape = [] if rng.random() < 0.1 else [rng.randint(0, 6)]
    if not xs:
        ishape = rng.choice([[], [1]])
    dt = rng.choice(["int64", "int64", "int32"])
    idx = index_spec(rng, ishape, 0, n, dt=dt, bad_values=(-1, n, n + 3))
    r = rng.random()
    if r < 0.03:
        idx = make_spec(rng, [2, 1], "int64", lambda: 0)
    elif r < 0.05:
        idx = make_spec(rng, [2], "float32", lambda: 0)
    elif r < 0.07:
        dim = nd + 1
    return Case("index_select", dim, 0.0, [data_spec(rng, xs), idx])


def gather_shapes(rng):
    """x's shape, a dim, the size of x along it, and an index shape gather and scatter_add
    accept (any size along dim, at most x's elsewhere; 0-d x: a 0-d or 1-d index)."""
    xs = rand_shape(rng, 0, 4)
    nd = max(len(xs), 1)
    dim = rng.randint(-nd, nd - 1)
    ne = xs if xs else [1]
    ishape = [rng.randint(0, 5) if k == dim % nd else rng.randint(0, ne[k]) for k in range(nd)]
    if not xs and rng.random() < 0.5:
        ishape = []
    return xs, dim, ne[dim % nd], ishape


def gen_gather(rng):
    xs, dim, n, ishape = gather_shapes(rng)
    if rng.random() < 0.05 and ishape:
        ishape[rng.randrange(len(ishape))] += 2  # size mismatch (unless the index is empty)
    idx = index_spec(rng, ishape, 0, n, bad_values=(-1, n, n + 1))
    if rng.random() < 0.03:
        idx = make_spec(rng, ishape + [1], "int64", lambda: 0)
    return Case("gather", dim, 0.0, [data_spec(rng, xs), idx])


def gen_scatter_add(rng):
    xs, dim, n, ishape = gather_shapes(rng)
    sshape = list(ishape)
    if rng.random() < 0.25 and sshape:
        sshape = [s + rng.randint(0, 1) for s in sshape]  # src larger: backward errors in PyTorch
    if rng.random() < 0.04 and ishape:
        ishape[rng.randrange(len(ishape))] += 3
    x = data_spec(rng, xs)
    src = data_spec(rng, sshape, dt=x.name if rng.random() > 0.03 else "float64")
    idx = index_spec(rng, ishape, 0, n, bad_values=(-1, n, n + 1))
    return Case("scatter_add", dim, 0.0, [x, idx, src])


def gen_masked_fill(rng):
    xs = rand_shape(rng, 0, 4)
    ms = [1 if rng.random() < 0.3 else s for s in xs]
    ms = ms[rng.randint(0, len(ms)):] if rng.random() < 0.3 else ms
    if rng.random() < 0.15:
        ms = rand_shape(rng, 0, 2) + ms  # the mask broadcasts x to a larger shape
    if rng.random() < 0.04 and ms:
        ms[-1] += 1
    dt = rng.choice(["float32", "float64", "int64", "int32", "bool"])
    value = rng.choice([rng.uniform(-5, 5), float(rng.randint(-5, 5)), float("inf"), -0.0])
    if rng.random() < 0.08:
        value = rng.choice([3e9, -3e9, 1e39, 2147483647.5, 1e19, float("nan")])
    mask = make_spec(rng, ms, "bool", lambda: rng.random() < 0.4, noncontig=rng.random() < 0.4)
    return Case("masked_fill", 0, value, [data_spec(rng, xs, dt=dt), mask])


def gen_embedding(rng):
    v, dim = rng.randint(1, 7), rng.randint(0, 5)
    wshape = [v, dim]
    if rng.random() < 0.03:
        wshape = [v]
    weight = data_spec(rng, wshape, dt=rng.choice(["float32", "float32", "float64"]), grad_p=0.9)
    ishape = rand_shape(rng, 0, 3, smax=5, zero_p=0.05)
    dt = rng.choice(["int64", "int64", "int32"]) if rng.random() > 0.03 else "float32"
    idx = index_spec(rng, ishape, 0, v, dt=dt, bad_values=(-1, v))
    pad = "none" if rng.random() < 0.35 else rng.randint(-v - (rng.random() < 0.05), v - 1 + (rng.random() < 0.05))
    return Case("embedding", pad, 0.0, [weight, idx])


def gen_one_hot(rng):
    ishape = rand_shape(rng, 0, 3, smax=5, zero_p=0.08)
    idx = index_spec(rng, ishape, 0, 5, bad_values=(-1, -3))
    ncls = rng.choice([-1, -1, 5, 6, 8, 3, 0])
    if rng.random() < 0.03:
        idx = make_spec(rng, ishape, "int32", lambda: 0)
    return Case("one_hot", ncls, 0.0, [idx])


GENERATORS = [(gen_index, 90), (gen_index_select, 70), (gen_gather, 70), (gen_scatter_add, 70),
              (gen_masked_fill, 70), (gen_embedding, 70), (gen_one_hot, 40)]


def main():
    rng = random.Random(20240313)
    torch.manual_seed(0)
    lines, expected = [], []
    for gen, count in GENERATORS:
        for _ in range(count):
            line, want = run_torch(gen(rng), rng)
            lines.append(line)
            expected.append(want)
    got = run_c(sys.argv[1], lines)
    chk = Checker("index")
    for line, g, w in zip(lines, got, expected):
        chk.equal(g, w, line if len(line) < 400 else line[:400] + " ...")
    errors = sum(w.startswith("err") for w in expected)
    print(f"({errors} of the cases are errors, {sum('bwerr' in w for w in expected)} fail in backward)")
    chk.finish()


if __name__ == "__main__":
    main()
