"""Indexing ops against PyTorch: x[index] (int64 and bool), index_select, gather,
scatter_add, masked_fill, embedding, one_hot.

Each case gives the op, its tensors (a buffer plus strides and offset, so inputs are often
non-contiguous), an int and a float argument, and the gradient `w` of the output (the
gradient of sum(out * w)). Both sides print the result's dtype, shape, grad_fn name and
values, then the gradients of the inputs that require grad; errors print PyTorch's
message. Everything is compared exactly (float values with 17 significant digits). For
float64 cases the C program also checks its gradients against central finite
differences of its own forward and prints "fd ok".

Case line: op iarg farg ntensors tensor... (W w-tensor | -) fd
tensor:    dtype ndim shape... strides... offset buflen values... requires_grad
"""
import os
import random
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import RECORD_END, Checker, run_c  # noqa: E402,F401

DTYPES = {"b": torch.bool, "i32": torch.int32, "i64": torch.int64, "f32": torch.float32, "f64": torch.float64}
CODE = {v: k for k, v in DTYPES.items()}
FLOATS = ("f32", "f64")


def fmt_value(v, dt):
    if dt in FLOATS:
        return format(float(v), ".17g")
    return str(int(v))


class Spec:
    """One input tensor: a flat buffer viewed with (shape, strides, offset)."""

    def __init__(self, rng, shape, dt, values, noncontig=False, requires_grad=False):
        nd = len(shape)
        strides = [0] * nd
        offset = 0
        acc = 1
        order = list(range(nd))
        steps = [1] * nd
        if noncontig and nd > 0:
            rng.shuffle(order)
            steps = [rng.choice([1, 1, 2, 3]) for _ in range(nd)]
            offset = rng.randrange(0, 3)
        for d in reversed(order):
            strides[d] = acc * steps[d]
            acc *= max(shape[d], 1) * steps[d]
        if all(s > 0 for s in shape):
            size = offset + sum((s - 1) * st for s, st in zip(shape, strides)) + 1
        else:
            size = offset + 1
        buf = [values() for _ in range(size)]
        if dt == "f32":  # the exact float32 values both sides will hold
            buf = torch.tensor(buf, dtype=torch.float32).tolist()
        self.shape, self.strides, self.offset, self.dt, self.buf = list(shape), strides, offset, dt, buf
        self.requires_grad = requires_grad and dt in FLOATS

    def encode(self):
        parts = [self.dt, str(len(self.shape))] + [str(s) for s in self.shape] + [str(s) for s in self.strides]
        parts += [str(self.offset), str(len(self.buf))] + [fmt_value(v, self.dt) for v in self.buf]
        parts.append("1" if self.requires_grad else "0")
        return " ".join(parts)

    def torch(self):
        base = torch.tensor(self.buf, dtype=DTYPES[self.dt])
        t = torch.as_strided(base, self.shape, self.strides, self.offset)
        if self.requires_grad:
            t = t.detach().requires_grad_()
        return t


def encode_plain(t):
    """A contiguous tensor (the output gradient w)."""
    dt = CODE[t.dtype]
    shape = list(t.shape)
    strides = list(t.contiguous().stride())
    vals = [fmt_value(v, dt) for v in t.reshape(-1).tolist()]
    return " ".join([dt, str(len(shape))] + [str(s) for s in shape] + [str(s) for s in strides] +
                    ["0", str(len(vals))] + vals + ["0"])


def values(t, dt):
    return "".join(" " + fmt_value(v, dt) for v in t.detach().reshape(-1).tolist())


def error_text(ex):
    return str(ex).split("\n")[0]


def tensor_lines(out):
    dt = CODE[out.dtype]
    gf = type(out.grad_fn).__name__ if out.grad_fn is not None else "None"
    return f"ok {dt} torch.Size({list(out.shape)}) {gf}\nv{values(out, dt)}\n"


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
    ts = [s.torch() for s in case.specs]
    head = f"{case.op} {case.iarg} {format(case.farg, '.17g')} {len(ts)} " + " ".join(s.encode() for s in case.specs)
    try:
        out = torch_op(case, ts)
    except (RuntimeError, IndexError, AssertionError) as ex:
        return head + " - 0", f"err {error_text(ex)}\n"
    text = tensor_lines(out)
    if not out.requires_grad:
        return head + " - 0", text
    w = torch.tensor([rng.uniform(-2, 2) for _ in range(out.numel())], dtype=out.dtype).reshape(out.shape)
    # The padding row's gradient is zero by definition, not the derivative.
    fd = int(out.dtype == torch.float64 and not (case.op == "embedding" and case.iarg != "none"))
    line = head + " W " + encode_plain(w) + f" {fd}"
    try:
        out.backward(w)
    except RuntimeError as ex:
        return line, text + f"bwerr {error_text(ex)}\n"
    for k, (s, t) in enumerate(zip(case.specs, ts)):
        if s.requires_grad:
            g = t.grad
            text += f"g{k}{' None' if g is None else values(g, s.dt)}\n"
    if fd:
        text += "fd ok\n"
    return line, text


# ---- case generators -------------------------------------------------------------

def rand_shape(rng, lo, hi, smax=4, zero_p=0.08):
    nd = rng.randint(lo, hi)
    return [0 if rng.random() < zero_p else rng.randint(1, smax) for _ in range(nd)]


def float_values(rng):
    return lambda: rng.uniform(-3, 3)


def data_spec(rng, shape, dt=None, grad_p=0.85):
    dt = dt or rng.choice(["f32", "f32", "f64", "f64", "i64"])
    values = float_values(rng) if dt in FLOATS else (lambda: rng.randint(-9, 9))
    if dt == "b":
        values = lambda: rng.random() < 0.5  # noqa: E731
    return Spec(rng, shape, dt, values, noncontig=rng.random() < 0.5, requires_grad=rng.random() < grad_p)


def index_spec(rng, shape, lo, hi, bad_p=0.04, dt="i64", bad_values=()):
    def value():
        if bad_values and rng.random() < bad_p:
            return rng.choice(bad_values)
        return rng.randint(lo, hi - 1) if hi > lo else 0
    return Spec(rng, shape, dt, value, noncontig=rng.random() < 0.4)


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
        mask = Spec(rng, mshape, "b", lambda: rng.random() < 0.5, noncontig=rng.random() < 0.4)
        return Case("index", 0, 0.0, [data_spec(rng, xs), mask])
    idx = index_spec(rng, ishape, -n, n, bad_values=(n, n + 2, -n - 1))
    if rng.random() < 0.03:
        idx = Spec(rng, ishape, rng.choice(["i32", "f32"]), lambda: 0)
    return Case("index", 0, 0.0, [data_spec(rng, xs), idx])


def gen_index_select(rng):
    xs = rand_shape(rng, 0, 4)
    nd = max(len(xs), 1)
    dim = rng.randint(-nd, nd - 1)
    n = xs[dim] if xs else 1
    ishape = [] if rng.random() < 0.1 else [rng.randint(0, 6)]
    if not xs:
        ishape = rng.choice([[], [1]])
    dt = rng.choice(["i64", "i64", "i32"])
    idx = index_spec(rng, ishape, 0, n, dt=dt, bad_values=(-1, n, n + 3))
    r = rng.random()
    if r < 0.03:
        idx = Spec(rng, [2, 1], "i64", lambda: 0)
    elif r < 0.05:
        idx = Spec(rng, [2], "f32", lambda: 0)
    elif r < 0.07:
        dim = nd + 1
    return Case("index_select", dim, 0.0, [data_spec(rng, xs), idx])


def gen_gather(rng):
    xs = rand_shape(rng, 0, 4)
    nd = max(len(xs), 1)
    dim = rng.randint(-nd, nd - 1)
    d = dim % nd
    ne = xs if xs else [1]
    ishape = [rng.randint(0, 5) if k == d else rng.randint(0, ne[k]) for k in range(nd)]
    if not xs and rng.random() < 0.5:
        ishape = []
    if rng.random() < 0.05 and ishape:
        ishape[rng.randrange(len(ishape))] += 2  # size mismatch (unless the index is empty)
    n = ne[d]
    idx = index_spec(rng, ishape, 0, n, bad_values=(-1, n, n + 1))
    if rng.random() < 0.03:
        idx = Spec(rng, ishape + [1], "i64", lambda: 0)
    return Case("gather", dim, 0.0, [data_spec(rng, xs), idx])


def gen_scatter_add(rng):
    xs = rand_shape(rng, 0, 4)
    nd = max(len(xs), 1)
    dim = rng.randint(-nd, nd - 1)
    d = dim % nd
    ne = xs if xs else [1]
    ishape = [rng.randint(0, 5) if k == d else rng.randint(0, ne[k]) for k in range(nd)]
    if not xs and rng.random() < 0.5:
        ishape = []
    sshape = list(ishape)
    if rng.random() < 0.25 and sshape:
        sshape = [s + rng.randint(0, 1) for s in sshape]  # src larger: backward errors in PyTorch
    if rng.random() < 0.04 and ishape:
        ishape[rng.randrange(len(ishape))] += 3
    n = ne[d]
    x = data_spec(rng, xs)
    src = data_spec(rng, sshape, dt=x.dt if rng.random() > 0.03 else "f64")
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
    dt = rng.choice(["f32", "f64", "i64", "i32", "b"])
    value = rng.choice([rng.uniform(-5, 5), float(rng.randint(-5, 5)), float("inf"), -0.0])
    if rng.random() < 0.08:
        value = rng.choice([3e9, -3e9, 1e39, 2147483647.5, 1e19, float("nan")])
    mask = Spec(rng, ms, "b", lambda: rng.random() < 0.4, noncontig=rng.random() < 0.4)
    return Case("masked_fill", 0, value, [data_spec(rng, xs, dt=dt), mask])


def gen_embedding(rng):
    v, dim = rng.randint(1, 7), rng.randint(0, 5)
    wshape = [v, dim]
    if rng.random() < 0.03:
        wshape = [v]
    weight = data_spec(rng, wshape, dt=rng.choice(["f32", "f32", "f64"]), grad_p=0.9)
    ishape = rand_shape(rng, 0, 3, smax=5, zero_p=0.05)
    dt = rng.choice(["i64", "i64", "i32"]) if rng.random() > 0.03 else "f32"
    idx = index_spec(rng, ishape, 0, v, dt=dt, bad_values=(-1, v))
    pad = "none" if rng.random() < 0.35 else rng.randint(-v - (rng.random() < 0.05), v - 1 + (rng.random() < 0.05))
    return Case("embedding", pad, 0.0, [weight, idx])


def gen_one_hot(rng):
    ishape = rand_shape(rng, 0, 3, smax=5, zero_p=0.08)
    idx = index_spec(rng, ishape, 0, 5, bad_values=(-1, -3))
    ncls = rng.choice([-1, -1, 5, 6, 8, 3, 0])
    if rng.random() < 0.03:
        idx = Spec(rng, ishape, "i32", lambda: 0)
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
