"""View and shape ops against PyTorch: view, reshape, transpose, t, T, permute, squeeze,
unsqueeze, expand, flatten, contiguous, clone, narrow, select, slice, unfold, cat, stack,
to(dtype), copy_.

Each case gives the op, its integer arguments and its input tensors (a buffer plus
strides and offset, so inputs are often non-contiguous or expanded). Both sides print the
result's dtype, shape, strides, whether it shares the first input's storage (and then the
distance of its first element from the input's), its grad_fn graph (three levels of
next_functions), its values, and the
gradients of sum(out * w) for the inputs that require grad; errors print PyTorch's
message. Everything is compared exactly. For float64 cases the C program also checks its
gradients against central finite differences of its own forward ("fd ok").

Case line: op nargs args... ntensors tensor... (W w-tensor | -) fd
tensor:    dtype ndim shape... strides... offset buflen values... requires_grad
"""
import os
import random
import sys
import warnings

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Checker, run_c  # noqa: E402

DTYPES = {"bool": torch.bool, "int32": torch.int32, "int64": torch.int64,
          "float32": torch.float32, "float64": torch.float64}
NAME = {v: k for k, v in DTYPES.items()}
ENUM = {"bool": 0, "int32": 1, "int64": 2, "float32": 3, "float64": 4}  # ct_dtype values
FLOATS = ("float32", "float64")
END = 2**63 - 1  # CT_END


def fmt_value(v, dt):
    if dt in FLOATS:
        return float(v).hex()
    return str(int(v))


def out_value(v, dt):
    return format(float(v), ".17g") if dt in FLOATS else str(int(v))


class Spec:
    """One input tensor: a flat buffer viewed with (shape, strides, offset)."""

    def __init__(self, rng, shape, dt, layout="contiguous", requires_grad=False):
        nd = len(shape)
        order, steps, offset = list(range(nd)), [1] * nd, 0
        if layout in ("strided", "expanded") and nd > 0:
            rng.shuffle(order)
            steps = [rng.choice([1, 1, 2, 3]) for _ in range(nd)]
            offset = rng.randrange(0, 3)
        elif layout == "permuted" and nd > 0:
            rng.shuffle(order)
        strides, acc = [0] * nd, 1
        for d in reversed(order):
            strides[d] = acc * steps[d]
            acc *= max(shape[d], 1) * steps[d]
        if layout == "expanded" and nd > 0:  # a broadcast input: some dims repeat one element
            for d in range(nd):
                if rng.random() < 0.4:
                    strides[d] = 0
        if all(s > 0 for s in shape):
            size = offset + sum((s - 1) * st for s, st in zip(shape, strides)) + 1
        else:
            size = offset + 1
        if dt in FLOATS:
            buf = [rng.uniform(-3, 3) for _ in range(size)]
        elif dt == "bool":
            buf = [rng.random() < 0.5 for _ in range(size)]
        else:
            buf = [rng.randint(-9, 9) for _ in range(size)]
        if dt == "float32":  # the exact float32 values both sides will hold
            buf = torch.tensor(buf, dtype=torch.float32).tolist()
        self.shape, self.strides, self.offset, self.dt, self.buf = list(shape), strides, offset, dt, buf
        self.requires_grad = requires_grad and dt in FLOATS
        self.overlapping = any(st == 0 and s > 1 for s, st in zip(shape, strides))

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
    dt = NAME[t.dtype]
    shape = list(t.shape)
    strides = list(t.contiguous().stride())
    vals = [fmt_value(v, dt) for v in t.reshape(-1).tolist()]
    return " ".join([dt, str(len(shape))] + [str(s) for s in shape] + [str(s) for s in strides] +
                    ["0", str(len(vals))] + vals + ["0"])


def values(t):
    dt = NAME[t.dtype]
    return "".join(" " + out_value(v, dt) for v in t.detach().reshape(-1).tolist())


def error_text(ex):
    return str(ex).split("\n")[0]


def geometry(out, first):
    strides = "(" + ", ".join(str(s) for s in out.stride()) + ("," if out.dim() == 1 else "") + ")"
    if out.storage().data_ptr() == first.storage().data_ptr():
        where = f"view {out.storage_offset() - first.storage_offset()}"
    else:
        where = "copy"
    return f"ok {NAME[out.dtype]} torch.Size({list(out.shape)}) {strides} {where} {graph(out.grad_fn, 3)}\n"


def graph(fn, depth):
    """The grad_fn graph to `depth` levels, as the C program prints it."""
    if fn is None:
        return "None"
    name = type(fn).__name__
    if depth == 0 or not fn.next_functions:
        return name
    return name + "(" + ",".join(graph(n, depth - 1) for n, _ in fn.next_functions) + ")"


class Case:
    def __init__(self, op, args, specs):
        self.op, self.args, self.specs = op, list(args), specs


def torch_op(case, ts):
    op, a, x = case.op, case.args, ts[0]
    if op == "view":
        return x.view(a)
    if op == "reshape":
        return x.reshape(a)
    if op == "transpose":
        return x.transpose(a[0], a[1])
    if op == "t":
        return x.t()
    if op == "T":
        return x.T
    if op == "permute":
        return x.permute(a)
    if op == "squeeze":
        return x.squeeze()
    if op == "squeeze_dim":
        return x.squeeze(a[0])
    if op == "unsqueeze":
        return x.unsqueeze(a[0])
    if op == "expand":
        return x.expand(a)
    if op == "flatten":
        return x.flatten(a[0], a[1])
    if op == "contiguous":
        return x.contiguous()
    if op == "clone":
        return x.clone()
    if op == "narrow":
        return x.narrow(a[0], a[1], a[2])
    if op == "select":
        return x.select(a[0], a[1])
    if op == "slice":
        return torch.ops.aten.slice.Tensor(x, a[0], a[1], None if a[2] == END else a[2], a[3])
    if op == "unfold":
        return x.unfold(a[0], a[1], a[2])
    if op == "cat":
        return torch.cat(ts, a[0])
    if op == "stack":
        return torch.stack(ts, a[0])
    if op == "to_dtype":
        return x.to(DTYPES[next(k for k, v in ENUM.items() if v == a[0])])
    if op == "copy_":
        if a[0]:
            dst = x * 1.0
        else:
            with torch.no_grad():
                dst = x.clone()
        return dst.copy_(ts[1])
    raise ValueError(op)


def run_torch(case, rng):
    """Returns (case line, expected answer)."""
    ts = [s.torch() for s in case.specs]
    head = f"{case.op} {len(case.args)} " + "".join(f"{v} " for v in case.args)
    head += f"{len(ts)} " + " ".join(s.encode() for s in case.specs)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = torch_op(case, ts)
    except (RuntimeError, IndexError, ValueError) as ex:
        return head + " - 0", f"err {error_text(ex)}\n"
    text = geometry(out, ts[0]) + f"v{values(out)}\n"
    if not out.requires_grad:
        return head + " - 0", text
    w = torch.tensor([rng.uniform(-2, 2) for _ in range(out.numel())], dtype=out.dtype).reshape(out.shape)
    # Finite differences need float64 inputs (a float32 input rounds the step away).
    fd = int(out.dtype == torch.float64 and case.op != "copy_" and
             all(s.dt == "float64" and not s.overlapping for s in case.specs if s.requires_grad))
    line = head + " W " + encode_plain(w) + f" {fd}"
    try:
        (out * w).sum().backward()
    except RuntimeError as ex:
        return line, text + f"bwerr {error_text(ex)}\n"
    for k, (s, t) in enumerate(zip(case.specs, ts)):
        if s.requires_grad:
            text += f"g{k}{' None' if t.grad is None else values(t.grad)}\n"
    if fd:
        text += "fd ok\n"
    return line, text


# ---- case generators -------------------------------------------------------------

def rand_shape(rng, lo, hi, smax=4):
    return harness.rand_shape(rng, lo, hi, smax, zero_p=0.06)


def data_spec(rng, shape, dt=None, grad_p=0.8, layouts=("contiguous", "strided", "strided", "permuted", "expanded")):
    dt = dt or rng.choice(["float32", "float32", "float64", "float64", "int64", "int32", "bool"])
    return Spec(rng, shape, dt, rng.choice(layouts), requires_grad=rng.random() < grad_p)


def rand_dim(rng, nd, extra=0, bad_p=0.05):
    n = max(nd + extra, 1)
    if rng.random() < bad_p:
        return rng.choice([n, n + 1, -n - 1])
    return rng.randint(-n, n - 1)


def factor_shape(rng, numel, maxdims=5):
    """A random shape with numel elements (size-1 dims sprinkled in)."""
    shape, rest = [], numel
    if numel == 0:
        shape = [rng.choice([0, 1, 2, 3]) for _ in range(rng.randint(1, 3))]
        shape[rng.randrange(len(shape))] = 0
        return shape
    while rest > 1 and len(shape) < maxdims:
        divs = [d for d in range(2, rest + 1) if rest % d == 0]
        d = rng.choice(divs)
        shape.append(d)
        rest //= d
    if rest > 1:
        shape.append(rest)
    for _ in range(rng.randint(0, 2)):
        shape.insert(rng.randint(0, len(shape)), 1)
    rng.shuffle(shape)
    return shape


def gen_view_like(op):
    def gen(rng):
        xs = rand_shape(rng, 0, 4)
        x = data_spec(rng, xs)
        n = 1
        for s in xs:
            n *= s
        shape = factor_shape(rng, n)
        r = rng.random()
        if r < 0.25 and shape:
            shape[rng.randrange(len(shape))] = -1
        elif r < 0.3 and shape:  # two -1
            shape = shape + [-1, -1]
        elif r < 0.35:  # a bad size
            shape = shape + [rng.choice([-2, 2, 0])]
        elif r < 0.4 and xs:  # merge or split existing dims exactly (often viewable)
            k = rng.randrange(len(xs))
            shape = xs[:k] + [-1] + xs[k + 2:]
        elif r < 0.45 and n == 0 and shape:
            shape[rng.randrange(len(shape))] = -1
        return Case(op, shape[:8], [x])
    return gen


def gen_transpose(rng):
    xs = rand_shape(rng, 0, 4)
    nd = len(xs)
    return Case("transpose", [rand_dim(rng, nd), rand_dim(rng, nd)], [data_spec(rng, xs)])


def gen_t(rng):
    xs = rand_shape(rng, 0, 3)
    return Case(rng.choice(["t", "T"]), [], [data_spec(rng, xs)])


def gen_big_T(rng):
    return Case("T", [], [data_spec(rng, rand_shape(rng, 0, 5))])


def gen_permute(rng):
    xs = rand_shape(rng, 0, 5)
    nd = len(xs)
    perm = list(range(nd))
    rng.shuffle(perm)
    perm = [p - nd if rng.random() < 0.3 else p for p in perm]
    if nd and rng.random() < 0.08:
        perm[rng.randrange(nd)] = perm[rng.randrange(nd)]  # maybe a duplicate
    if nd and rng.random() < 0.05:
        perm[rng.randrange(nd)] = nd  # out of range
    return Case("permute", perm, [data_spec(rng, xs)])


def gen_squeeze(rng):
    xs = [rng.choice([1, 1, 2, 3, 0]) for _ in range(rng.randint(0, 5))]
    if rng.random() < 0.4:
        return Case("squeeze", [], [data_spec(rng, xs)])
    return Case("squeeze_dim", [rand_dim(rng, len(xs))], [data_spec(rng, xs)])


def gen_unsqueeze(rng):
    xs = rand_shape(rng, 0, 4)
    return Case("unsqueeze", [rand_dim(rng, len(xs), extra=1)], [data_spec(rng, xs)])


def gen_expand(rng):
    xs = [rng.choice([1, 1, 2, 3]) for _ in range(rng.randint(0, 4))]
    lead = rng.choice([0, 0, 1, 2])
    target = [rng.choice([1, 2, 3, 0]) for _ in range(lead)]
    for s in xs:
        r = rng.random()
        if r < 0.25:
            target.append(-1)
        elif s == 1:
            target.append(rng.choice([1, 2, 4, 0]))
        else:
            target.append(s)
    r = rng.random()
    if r < 0.05 and target:
        target[rng.randrange(len(target))] = rng.choice([5, 7])  # mismatch (unless that dim has size 1)
    elif r < 0.08 and lead:
        target[0] = -1  # -1 in a new leading dim
    elif r < 0.1 and xs:
        target = target[1:]  # too few sizes
    elif r < 0.12 and xs and 1 in xs:
        target[lead + xs.index(1)] = -2  # a negative size on a size-1 dim
    return Case("expand", target, [data_spec(rng, xs)])


def gen_flatten(rng):
    xs = rand_shape(rng, 0, 5)
    nd = len(xs)
    return Case("flatten", [rand_dim(rng, nd), rand_dim(rng, nd)], [data_spec(rng, xs)])


def gen_copy_like(op):
    def gen(rng):
        xs = rand_shape(rng, 0, 5)
        return Case(op, [], [data_spec(rng, xs)])
    return gen


def gen_clone_4d(rng):
    """4-D and 5-D inputs in permuted layouts (channels-last and friends)."""
    nd = rng.choice([4, 5])
    xs = [rng.randint(1, 3) for _ in range(nd)]
    x = data_spec(rng, xs, layouts=("permuted", "permuted", "strided"))
    return Case(rng.choice(["clone", "contiguous", "to_dtype"]), [rng.choice([3, 4])], [x])


def sub_shape(rng):
    """Inputs of narrow/select/slice: rarely 0-dim (an error for all three)."""
    return rand_shape(rng, 0 if rng.random() < 0.05 else 1, 4, smax=6)


def gen_narrow(rng):
    xs = sub_shape(rng)
    nd = len(xs)
    d = rand_dim(rng, nd)
    size = xs[d] if nd and -nd <= d < nd else 1
    start = rng.randint(-size - 1, size + 1)
    length = rng.randint(-1, size + 1) if rng.random() < 0.2 else rng.randint(0, max(size - max(start, 0), 0))
    return Case("narrow", [d, start, length], [data_spec(rng, xs)])


def gen_select(rng):
    xs = sub_shape(rng)
    nd = len(xs)
    d = rand_dim(rng, nd)
    size = xs[d] if nd and -nd <= d < nd else 1
    return Case("select", [d, rng.randint(-size - 1, size)], [data_spec(rng, xs)])


def gen_slice(rng):
    xs = sub_shape(rng)
    nd = len(xs)
    d = rand_dim(rng, nd)
    size = xs[d] if nd and -nd <= d < nd else 1

    def bound():
        r = rng.random()
        if r < 0.1:
            return rng.choice([-10**12, 10**12, -2**62])
        return rng.randint(-size - 3, size + 3)
    start = bound() if rng.random() < 0.85 else 0
    stop = bound() if rng.random() < 0.8 else END
    step = rng.choice([1, 1, 1, 2, 3, 5]) if rng.random() > 0.05 else rng.choice([0, -1])
    if rng.random() < 0.03:
        step = 2**62
    return Case("slice", [d, start, stop, step], [data_spec(rng, xs)])


def gen_unfold(rng):
    xs = rand_shape(rng, 0, 4, smax=6)
    nd = len(xs)
    d = rand_dim(rng, nd)
    size_d = xs[d] if nd and -nd <= d < nd else 1
    size = rng.randint(0, size_d + (1 if rng.random() < 0.1 else 0))
    step = rng.randint(1, 3) if rng.random() > 0.05 else rng.choice([0, -1])
    if rng.random() < 0.03 and 0 not in xs:
        size = -1
    return Case("unfold", [d, size, step], [data_spec(rng, xs)])


def gen_cat(rng):
    base = rand_shape(rng, 1, 4)
    nd = len(base)
    d = rand_dim(rng, nd)
    dd = d % nd if -nd - 1 < d < nd else 0
    n = rng.randint(1, 4)
    specs = []
    dt0 = rng.choice(["float32", "float64", "int64", "bool", "int32"])
    for _ in range(n):
        shape = list(base)
        shape[dd] = rng.randint(0, 3)
        r = rng.random()
        if r < 0.04:
            shape = [0]  # the legacy empty input, skipped
        elif r < 0.07:
            shape[rng.randrange(nd)] += 1  # mismatch (unless on dim d)
        elif r < 0.09:
            shape = shape + [1]  # a different number of dims
        elif r < 0.1:
            shape = []  # 0-dim
        dt = dt0 if rng.random() < 0.8 else rng.choice(["float32", "float64", "int64", "bool"])
        specs.append(data_spec(rng, shape, dt=dt))
    if rng.random() < 0.03:
        specs = [data_spec(rng, [0], dt=dt0) for _ in range(n)]
    return Case("cat", [d], specs)


def gen_cat_4d(rng):
    """Channels-last-like inputs: cat picks the inputs' common memory format."""
    nd = rng.choice([4, 5])
    base = [rng.randint(1, 3) for _ in range(nd)]
    d = rng.randrange(nd)
    op = rng.choice(["cat", "stack"])
    specs = []
    order = list(range(nd))
    rng.shuffle(order)
    if rng.random() < 0.5:  # channels last: N, spatial dims, C
        order = [0] + list(range(2, nd)) + [1]
    for _ in range(rng.randint(1, 3)):
        shape = list(base)
        if op == "cat":
            shape[d] = rng.randint(1, 3)
        s = Spec(rng, shape, rng.choice(["float32", "float64"]), "contiguous", requires_grad=rng.random() < 0.7)
        if rng.random() < 0.85:  # the same dim order for every input (often), else another one
            st, acc = [0] * nd, 1
            for k in reversed(order):
                st[k] = acc
                acc *= shape[k]
            s.strides = st
        specs.append(s)
    return Case(op, [d if op == "cat" else rng.randint(0, nd)], specs)


def gen_stack(rng):
    base = rand_shape(rng, 0, 4)
    nd = len(base)
    d = rand_dim(rng, nd, extra=1)
    n = rng.randint(1, 4)
    specs = []
    for _ in range(n):
        shape = list(base)
        if rng.random() < 0.06:
            shape = shape + [2] if rng.random() < 0.5 or not shape else shape[:-1]
        specs.append(data_spec(rng, shape, dt=rng.choice(["float32", "float64", "int64"])))
    return Case("stack", [d], specs)


def gen_to_dtype(rng):
    xs = rand_shape(rng, 0, 4)
    x = data_spec(rng, xs)
    return Case("to_dtype", [rng.choice(list(ENUM.values()))], [x])


def gen_copy(rng):
    ds = rand_shape(rng, 0, 4)
    nonleaf = int(rng.random() < 0.3 and 0 not in ds)  # dst * 1 (ctorch's elementwise strides differ when empty)
    ss = [1 if rng.random() < 0.3 else s for s in ds]
    ss = ss[rng.randint(0, len(ss)):] if rng.random() < 0.3 else ss
    if rng.random() < 0.08:
        ss = ss + [2] if rng.random() < 0.5 else [rng.randint(2, 4)] + ss
    dst = data_spec(rng, ds, grad_p=0.6 if nonleaf else 0.0,
                    layouts=("contiguous",) if nonleaf else ("contiguous", "strided", "permuted"))
    if nonleaf and dst.dt not in FLOATS:
        nonleaf = 0
    if nonleaf:
        dst.requires_grad = True
    src = data_spec(rng, ss)
    return Case("copy_", [nonleaf], [dst, src])


GENERATORS = [
    (gen_view_like("view"), 150), (gen_view_like("reshape"), 150), (gen_transpose, 50), (gen_t, 40),
    (gen_big_T, 20), (gen_permute, 60), (gen_squeeze, 60), (gen_unsqueeze, 40), (gen_expand, 90),
    (gen_flatten, 60), (gen_copy_like("contiguous"), 50), (gen_copy_like("clone"), 50), (gen_clone_4d, 60),
    (gen_narrow, 60), (gen_select, 60), (gen_slice, 100), (gen_unfold, 70), (gen_cat, 100),
    (gen_cat_4d, 60), (gen_stack, 70), (gen_to_dtype, 50), (gen_copy, 80),
]


def main():
    rng = random.Random(20241126)
    torch.manual_seed(0)
    lines, expected = [], []
    for gen, count in GENERATORS:
        for _ in range(count):
            line, want = run_torch(gen(rng), rng)
            lines.append(line)
            expected.append(want)
    got = run_c(sys.argv[1], lines)
    chk = Checker("views", show=int(os.environ.get("ORACLE_SHOW", "10")))
    for line, g, w in zip(lines, got, expected):
        chk.equal(g, w, line if len(line) < 400 else line[:400] + " ...")
    errors = sum(w.startswith("err") for w in expected)
    views = sum(" view " in w.split("\n")[0] for w in expected)
    print(f"({errors} of the cases are errors, {views} results are views, "
          f"{sum('fd ok' in w for w in expected)} checked by finite differences)")
    chk.finish()


if __name__ == "__main__":
    main()
