"""Writing through indices against PyTorch: scatter / scatter_ (src or value, reduce add /
multiply), advanced indexing x[i, :, j] / x[:, idx] / x[mask] (aten::index), index_put /
index_put_ (accumulate), x[mask] = value, Python's x[:, idx] = t (through a view:
CopySlices), masked_scatter / masked_scatter_.

Case line: op args <op inputs>. args is one token of '|'-separated fields (see each
generator): a dim, a reduce (0 none, 1 add, 2 multiply), a value as a hex float, an
index layout ("s" a full slice, "t" the next input tensor), an accumulate flag. In-place
ops run on a clone of input 0, so their graph shows CloneBackward0 below them. Both sides
print dtype, shape, grad_fn graph and values, then the input gradients of sum(out * w);
values and gradients are compared to a few ulps (accumulated repeats may add in another
order), float64 cases also against central finite differences (except where PyTorch's
own gradient is not the derivative: masked_scatter_ on a self that is not row-major).
"""
import os
import random
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import FLOATS, laid_out, rand_shape  # noqa: E402
from op_cases import check_all, run_generators, shuffled_spec, torch_answer, within_ulps  # noqa: E402

REDUCE = {0: None, 1: "add", 2: "multiply", 7: "max"}


make_spec = shuffled_spec


def data_spec(rng, shape, dt):
    values = (lambda: rng.uniform(-3, 3)) if dt in FLOATS else (lambda: rng.randint(-9, 9))
    if dt == "bool":
        values = lambda: rng.random() < 0.5  # noqa: E731
    return make_spec(rng, shape, dt, values, requires_grad=rng.random() < 0.85)


def index_spec(rng, shape, n, unique=False, bad_p=0.03, dt="int64"):
    count = 1
    for s in shape:
        count *= s
    if unique:
        pool = rng.sample(range(n), count) if count <= n else [0] * count
        it = iter(pool)
        vals = lambda: next(it) - (n if rng.random() < 0.3 else 0)  # noqa: E731
    else:
        vals = lambda: (rng.choice([n, -n - 1]) if rng.random() < bad_p else rng.randint(-n, n - 1)) if n else 0  # noqa
    return laid_out(dt, shape, vals)


def mask_spec(rng, shape):
    return make_spec(rng, shape, "bool", lambda: rng.random() < 0.5)


def fdt(rng):
    return rng.choice(["float32", "float64", "float64", "int64"])


def torch_op(op, a, ts):
    x = ts[0]
    if op == "scatter":
        r = REDUCE[int(a[1])]
        return torch.scatter(x, int(a[0]), ts[1], ts[2]) if r is None else torch.scatter(x, int(a[0]), ts[1], ts[2], reduce=r)
    if op == "scatter_":
        r = REDUCE[int(a[1])]
        y = x.clone()
        return y.scatter_(int(a[0]), ts[1], ts[2]) if r is None else y.scatter_(int(a[0]), ts[1], ts[2], reduce=r)
    if op == "scatter_value":
        r, v = REDUCE[int(a[1])], float.fromhex(a[2])
        return torch.scatter(x, int(a[0]), ts[1], v) if r is None else torch.scatter(x, int(a[0]), ts[1], v, reduce=r)
    if op in ("index", "index_put", "index_put_", "setitem_slice", "put_scalar_"):
        idx, rest = [], iter(ts[1:])
        for c in a[0]:
            idx.append(slice(None) if c == "s" else next(rest))
        if op == "index":
            return torch.ops.aten.index.Tensor(x, [None if isinstance(i, slice) else i for i in idx])
        opt = [None if isinstance(i, slice) else i for i in idx]
        if op == "index_put":
            return torch.ops.aten.index_put(x, opt, next(rest), int(a[1]) == 1)
        y = x.clone()
        if op == "index_put_":
            return torch.ops.aten.index_put_(y, opt, next(rest), int(a[1]) == 1)
        if op == "put_scalar_":
            return torch.ops.aten.index_put_(y, opt, torch.tensor(float.fromhex(a[1]), dtype=y.dtype))
        y[tuple(idx)] = next(rest)  # setitem_slice: leading full slices become a view
        return y
    if op == "masked_scatter":
        return x.masked_scatter(ts[1], ts[2])
    if op == "masked_scatter_":
        return x.clone().masked_scatter_(ts[1], ts[2])
    raise ValueError(op)


def fd_ok(op, specs, out):
    """PyTorch 1.13's masked_scatter_ fills a non-row-major self in memory order but reads
    source's gradient in row-major order: its gradient (which ctorch matches) is not the
    derivative then. A NotImplemented node has none."""
    if out.grad_fn.name() == "torch::autograd::NotImplemented":
        return False
    return not (op == "masked_scatter_" and not specs[0].contiguous)


def run_torch(op, args, specs, rng):
    return torch_answer(f"{op} {'|'.join(str(v) for v in args)} ", specs, lambda ts: torch_op(op, args, ts), rng,
                        fd_ok=lambda out: fd_ok(op, specs, out))


# ---- case generators -------------------------------------------------------------

def gen_scatter(rng):
    xs = rand_shape(rng, 1, 3)
    nd = len(xs)
    dim = rng.randint(-nd, nd - 1)
    n = xs[dim]
    ishape = [rng.randint(0, 4) if k == dim % nd else rng.randint(0, xs[k]) for k in range(nd)]
    dt = fdt(rng)
    reduce = rng.choice([0, 0, 0, 1, 2]) if rng.random() > 0.03 else 7
    unique = reduce == 0  # repeated targets: PyTorch leaves the order unspecified
    if unique:
        ishape[dim % nd] = min(ishape[dim % nd], n)
    # without reduce, indices are distinct along dim (else which write wins is unspecified)
    count = 1
    for s in ishape:
        count *= s
    rows = count // ishape[dim % nd] if ishape[dim % nd] else 0
    idx = make_spec(rng, ishape, "int64", lambda: rng.randint(0, n - 1) if n else 0)
    if unique and count:
        t = torch.empty(ishape, dtype=torch.int64)
        moved = t.movedim(dim, -1).reshape(rows, ishape[dim % nd])
        for r in range(rows):
            moved[r] = torch.tensor(rng.sample(range(n), ishape[dim % nd]))
        t = moved.reshape([ishape[k] for k in range(nd) if k != dim % nd] + [ishape[dim % nd]]).movedim(-1, dim)
        idx = laid_out("int64", ishape, iter(t.reshape(-1).tolist()).__next__)
    if rng.random() < 0.04 and count:
        idx.buf[rng.randrange(len(idx.buf))] = rng.choice([n, -1])
    op = rng.choice(["scatter", "scatter_", "scatter_value"])
    x = data_spec(rng, xs, dt)
    if op == "scatter_value":
        v = rng.uniform(-2, 2) if dt in FLOATS else float(rng.randint(-3, 3))
        return op, [dim, reduce, v.hex()], [x, idx]
    sshape = [s + rng.randint(0, 1) for s in ishape]
    src = data_spec(rng, sshape, dt if rng.random() > 0.03 else "float64")
    return op, [dim, reduce], [x, idx, src]


def index_layout(rng, xs, allow_mask=True, unique=False):
    """A layout string and the index tensors for x of shape xs."""
    nd = len(xs)
    layout, tensors, d = "", [], 0
    used = rng.randint(1, nd)
    while d < used:
        r = rng.random()
        if r < 0.3 and d < used - 1:
            layout += "s"
            d += 1
        elif r < 0.45 and allow_mask:
            m = rng.randint(1, min(2, nd - d))
            shape = list(xs[d:d + m])
            if rng.random() < 0.05:
                shape[0] += 1
            layout += "t"
            tensors.append(mask_spec(rng, shape))
            d += m
        else:
            layout += "t"
            ishape = [rng.randint(0, 3)] if rng.random() < 0.8 else rng.choice([[], [2, 2], [1, 3]])
            if unique:
                ishape = [min(rng.randint(1, 3), xs[d])] if len(tensors) == 0 else [1]
            dt = "int64" if rng.random() > 0.06 else rng.choice(["int32", "float32"])
            tensors.append(index_spec(rng, ishape, xs[d], unique=unique and not tensors, dt=dt))
            d += 1
    if "t" not in layout:
        layout += "t"
        tensors.append(index_spec(rng, [2], xs[d] if d < nd else 1))
    if rng.random() < 0.03:
        layout = "s" * nd + "t"
        tensors.append(index_spec(rng, [1], 1))
    return layout, tensors


def gen_index(rng):
    xs = rand_shape(rng, 1, 4, smax=4, zero_p=0.03)
    layout, tensors = index_layout(rng, xs)
    return "index", [layout], [data_spec(rng, xs, fdt(rng))] + tensors


def gen_index_put(rng):
    xs = rand_shape(rng, 1, 3, smax=4, zero_p=0.0)
    op = rng.choice(["index_put", "index_put_", "put_scalar_"])
    acc = op != "put_scalar_" and rng.random() < 0.5
    unique = not acc  # without accumulate, which of repeated writes wins is unspecified
    layout, tensors = index_layout(rng, xs, allow_mask=unique, unique=unique)
    if rng.random() < 0.3 and unique:  # a mask
        layout, tensors = "t", [mask_spec(rng, xs[:1])]
    if len(xs) >= 2 and rng.random() < 0.2:  # Python's y[:, idx] = v: the full slice is a view
        op, acc, layout = "setitem_slice", False, "st"
        tensors = [index_spec(rng, [rng.randint(1, xs[1])], xs[1], unique=True)] if rng.random() < 0.7 \
            else [mask_spec(rng, xs[1:2])]
    dt = fdt(rng)
    x = data_spec(rng, xs, dt)
    try:  # the indexing result's shape, from PyTorch itself
        opt, rest = [], iter(s.view() for s in tensors)
        for c in layout:
            opt.append(None if c == "s" else next(rest))
        rshape = list(torch.ops.aten.index.Tensor(torch.zeros(xs), opt).shape)
    except (RuntimeError, IndexError):
        rshape = [1]
    if op == "put_scalar_":
        v = rng.uniform(-2, 2) if dt in FLOATS else float(rng.randint(-3, 3))
        return op, [layout, v.hex()], [x] + tensors
    vshape = rshape[rng.randint(0, len(rshape)):] if rng.random() < 0.3 else rshape
    if rng.random() < 0.3:
        vshape = [1 if rng.random() < 0.5 else s for s in vshape]
    if rng.random() < 0.04:
        vshape = vshape + [2]
    vals = data_spec(rng, vshape, dt if rng.random() > 0.03 else "float64")
    return op, [layout, int(acc)], [x] + tensors + [vals]


def gen_masked_scatter(rng):
    xs = rand_shape(rng, 0, 3)
    ms = [1 if rng.random() < 0.3 else s for s in xs]
    if rng.random() < 0.2:
        ms = ms[rng.randint(0, len(ms)):]
    if rng.random() < 0.04 and ms:
        ms[-1] += 1
    dt = fdt(rng)
    mask = mask_spec(rng, ms)
    try:
        count = torch.Size(torch.broadcast_shapes(tuple(xs), tuple(ms))).numel()
    except RuntimeError:
        count = torch.Size(xs).numel()
    size = count + rng.randint(0, 2) if rng.random() > 0.06 else rng.randint(0, 1)
    src = data_spec(rng, [size], dt if rng.random() > 0.03 else "float64")
    return rng.choice(["masked_scatter", "masked_scatter_"]), [0], [data_spec(rng, xs, dt), mask, src]


GENERATORS = [(gen_scatter, 150), (gen_index, 150), (gen_index_put, 160), (gen_masked_scatter, 80)]


def main():
    lines, expected = run_generators(random.Random(20261208), GENERATORS, run_torch)
    check_all("scatter", sys.argv[1], lines, expected, within_ulps({"float32": 2.0 ** -20, "float64": 2.0 ** -48}))


if __name__ == "__main__":
    main()
