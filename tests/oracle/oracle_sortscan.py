"""Ordering, scans and searches against PyTorch: sort (ascending, descending, stable or
not), argsort, topk (largest or smallest, sorted or not; the partial-sort path k * 64 <= n
and the nth_element path), kthvalue, cumsum / cumprod (with dtype=), logcumsumexp,
all / any (whole tensor and along a dim), argmin, nonzero, unique and unique_consecutive
(inverse, counts).

Inputs are strided views (permuted, stepped, offset) of every dtype, many with ties
(small integers, -0.0 beside 0.0), NaNs and infinities, rows long enough to reach the
introsort and heap-sort code of PyTorch's std::sort / std::nth_element calls. Each case
line: "<op> <dim> <k> <flag1> <flag2> <dtype|-> <op inputs>" (harness.op_inputs).

Dtypes, shapes, grad_fn graphs, error messages and every index must be identical to
PyTorch's (ties included: an unstable sort, topk and kthvalue pick PyTorch's indices).
Forward values must be bit-identical (sort and selection move values; the scans
accumulate as PyTorch's CPU kernels, float32 in double). Gradients must agree within
4 ulps of the dtype relative to the gradient's magnitude (the cumprod and logcumsumexp
backward formulas are PyTorch's but not always in its order); the driver counts how many
are bit-identical. float64 gradients are also checked against central finite
differences of ctorch's own forward.
"""
import math
import os
import random
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (FLOATS, NAME, Checker, Strided, compare_op_answer, error_text, flat, graph,  # noqa: E402
                     op_inputs, parse_op_answer, random_layout, run_c, storage_size, values)

EPS = {"float32": 2.0 ** -23, "float64": 2.0 ** -52}
SELECTING = ("sort", "topk", "kthvalue")
DIFFERENTIABLE = SELECTING + ("cumsum", "cumprod", "logcumsumexp")


class Case:
    def __init__(self, op, spec, dim=0, k=0, flag1=0, flag2=0, dtype=None):
        self.op, self.spec, self.dim, self.k, self.flag1, self.flag2, self.dtype = op, spec, dim, k, flag1, flag2, dtype


def torch_op(c, x):
    dt = None if c.dtype is None else getattr(torch, c.dtype)
    f1, f2 = bool(c.flag1), bool(c.flag2)
    table = {
        # stable=True is the sort.stable overload (SortBackward1); without it, sort (SortBackward0)
        "sort": lambda: torch.sort(x, dim=c.dim, descending=f1, stable=True) if f2 else torch.sort(x, c.dim, f1),
        "argsort": lambda: (torch.argsort(x, dim=c.dim, descending=f1, stable=f2),),
        "topk": lambda: torch.topk(x, c.k, c.dim, largest=f1, sorted=f2),
        "kthvalue": lambda: torch.kthvalue(x, c.k, c.dim, keepdim=f1),
        "cumsum": lambda: (torch.cumsum(x, c.dim, dtype=dt),),
        "cumprod": lambda: (torch.cumprod(x, c.dim, dtype=dt),),
        "logcumsumexp": lambda: (torch.logcumsumexp(x, c.dim),),
        "all": lambda: (torch.all(x),), "all_dim": lambda: (torch.all(x, c.dim, keepdim=f1),),
        "any": lambda: (torch.any(x),), "any_dim": lambda: (torch.any(x, c.dim, keepdim=f1),),
        "argmin": lambda: (torch.argmin(x),), "argmin_dim": lambda: (torch.argmin(x, c.dim, keepdim=f1),),
        "nonzero": lambda: (torch.nonzero(x),),
        "unique": lambda: torch.unique(x, sorted=True, return_inverse=True, return_counts=True),
        "unique_consecutive": lambda: torch.unique_consecutive(x, return_inverse=True, return_counts=True),
    }
    return tuple(table[c.op]())


def run_torch(c, rng):
    """Returns (case line, expected answer)."""
    head = f"{c.op} {c.dim} {c.k} {c.flag1} {c.flag2} {c.dtype or '-'} "
    x = c.spec.view()
    try:
        outs = torch_op(c, x)
    except (RuntimeError, IndexError) as ex:
        return head + op_inputs([c.spec]), {"err": error_text(ex)}
    out = outs[0]
    want = {"dt": NAME[out.dtype], "shape": f"torch.Size({list(out.shape)})", "fn": graph(out.grad_fn),
            "v": flat(out), "extras": [f"x{k - 1} {NAME[t.dtype]} {list(t.shape)}\nxv{k - 1}{values(t)}"
                                       for k, t in enumerate(outs) if k > 0]}
    if not out.requires_grad or c.op not in DIFFERENTIABLE:
        return head + op_inputs([c.spec]), want
    w = torch.tensor([rng.uniform(-2, 2) for _ in range(out.numel())], dtype=out.dtype).reshape(out.shape)
    fd = int(c.spec.name == "float64" and out.dtype == torch.float64 and 0 not in c.spec.strides and math.prod(c.spec.shape) <= 60
             and c.spec.fd_safe)
    out.backward(w)
    want["g"] = {0: (flat(x.grad), flat(x.grad))}
    want["fd"] = bool(fd)
    return head + op_inputs([c.spec], w, fd), want


class Stats:
    def __init__(self):
        self.grads = self.identical = 0


def close_values(got, want, dt, exact, stats):
    if got is None or len(got) != len(want):
        return False
    if dt not in FLOATS or exact:
        return all(g == w or (math.isnan(g) and math.isnan(w)) for g, w in zip(got, want)) and \
            all(math.copysign(1, g) == math.copysign(1, w) for g, w in zip(got, want) if g == 0 and w == 0)
    scale = max([abs(w) for w in want if math.isfinite(w)] + [1e-300])
    for g, w in zip(got, want):
        stats.grads += 1
        if g == w or (math.isnan(g) and math.isnan(w)):
            stats.identical += 1
        elif not (math.isfinite(g) and math.isfinite(w)) or abs(g - w) > 4 * EPS[dt] * scale:
            return False
    return True


def compare(text, want, stats):
    got = parse_op_answer(text)
    in_values = [True]  # the first close_values call judges the forward values: exact

    def judge(g, w, _m):
        exact = in_values[0]
        in_values[0] = False
        return close_values(g, w, want["dt"], exact, stats)
    reason = compare_op_answer(got, want, judge)
    if reason is None and "err" not in want:
        lines = [ln for ln in text.splitlines() if ln.startswith("x")]
        if "\n".join(lines) != "\n".join(want["extras"]):
            reason = "indices / extra outputs differ"
    return reason


# ---- inputs ----

def make_input(rng, shape, dt, kind="ties", layout="random", requires_grad=True):
    """A strided input. kind: "ties" (small integers, signed zeros), "distinct" (uniform
    floats), "special" (ties plus NaN and infinities), "zeros" (products with zeros)."""
    strides, offset = random_layout(rng, shape, 0.6 if layout == "random" else 0)
    size = storage_size(shape, strides, offset)

    def value():
        if dt == "bool":
            return rng.random() < 0.5
        if dt in ("int32", "int64"):
            return rng.randint(-4, 4)
        if kind == "distinct":
            return rng.uniform(-2, 2)
        if kind == "pos":
            return rng.uniform(0.5, 1.5)
        if kind == "zeros":
            return rng.choice([0.0, 0.0, rng.uniform(-2, 2), rng.uniform(-2, 2), rng.uniform(-2, 2)])
        if kind == "special" and rng.random() < 0.2:
            return rng.choice([math.nan, math.inf, -math.inf])
        return rng.choice([-2.0, -1.0, -0.0, 0.0, 1.0, 1.5, 3.0])
    s = Strided(dt, shape, strides, offset, [value() for _ in range(size)], requires_grad)
    s.fd_safe = kind in ("distinct", "pos", "zeros") or dt not in FLOATS
    return s


def rand_shape(rng, max_nd=3):
    return [rng.choice([1, 2, 3, 4, 5, 7]) for _ in range(rng.randint(1, max_nd))]


def sort_cases(rng):
    cases = []
    for dt in ("float32", "float64", "int64", "int32", "bool"):
        for kind in ("ties", "special", "distinct"):
            if dt not in FLOATS and kind != "ties":
                continue
            for _ in range(6):
                shape = rand_shape(rng)
                x = make_input(rng, shape, dt, kind)
                d = rng.randrange(-len(shape), len(shape))
                cases.append(Case("sort", x, d, 0, rng.randint(0, 1), rng.randint(0, 1)))
                cases.append(Case("argsort", x, d, 0, rng.randint(0, 1), rng.randint(0, 1)))
        # long rows: introsort partitions, depth limit and the final insertion sort
        for n in (17, 33, 100, 257, 1000, 3000):
            for desc in (0, 1):
                for stable in (0, 1):
                    x = make_input(rng, [n], dt, "ties" if dt not in FLOATS else rng.choice(["ties", "special"]),
                                   "contiguous", requires_grad=n <= 100)
                    cases.append(Case("sort", x, 0, 0, desc, stable))
        cases.append(Case("sort", make_input(rng, [40, 3], dt, "ties"), 0, 0, 1, 0))
        cases.append(Case("sort", make_input(rng, [3, 40], dt, "ties"), -1, 0, 0, 0))
    # many equal values (the unguarded partitions' walks), sorted and reversed input
    for n in (20, 64, 500):
        eq = Strided("float32", [n], [1], 0, [1.0] * n)
        eq.fd_safe = False
        asc = Strided("float64", [n], [1], 0, [float(i // 3) for i in range(n)], True)
        asc.fd_safe = False
        rev = Strided("int64", [n], [1], 0, [n - i // 2 for i in range(n)])
        rev.fd_safe = True
        for x in (eq, asc, rev):
            cases += [Case("sort", x, 0, 0, d, 0) for d in (0, 1)]
    x = make_input(rng, [], "float32")
    cases += [Case("sort", x, 0), Case("sort", x, -1, 0, 1), Case("sort", x, 1), Case("argsort", x, 0)]
    cases += [Case("sort", make_input(rng, [3, 0], "float32"), 1), Case("sort", make_input(rng, [0, 3], "int64"), 0),
              Case("sort", make_input(rng, [2, 3], "float32"), 2), Case("sort", make_input(rng, [2, 3], "float32"), -3)]
    return cases


def topk_cases(rng):
    cases = []
    for dt in ("float32", "float64", "int64", "int32"):
        for kind in ("ties", "special", "distinct"):
            if dt not in FLOATS and kind != "ties":
                continue
            for _ in range(8):
                shape = rand_shape(rng)
                d = rng.randrange(-len(shape), len(shape))
                x = make_input(rng, shape, dt, kind)
                k = rng.randint(0, shape[d])
                cases.append(Case("topk", x, d, k, rng.randint(0, 1), rng.randint(0, 1)))
                cases.append(Case("kthvalue", x, d, max(k, 1), rng.randint(0, 1)))
        for n in (64, 65, 128, 200, 640, 2000):  # k * 64 <= n: partial sort; else nth_element
            for k in (1, 2, 3, 10, 31, n // 2):
                if k > n:
                    continue
                x = make_input(rng, [n], dt, rng.choice(["ties", "special"]) if dt in FLOATS else "ties",
                               "contiguous", requires_grad=n <= 200)
                cases.append(Case("topk", x, 0, k, rng.randint(0, 1), rng.randint(0, 1)))
                cases.append(Case("kthvalue", x, 0, k, 0))
        cases.append(Case("topk", make_input(rng, [100, 3], dt, "ties"), 0, 2, 1, 1))
        cases.append(Case("kthvalue", make_input(rng, [3, 50], dt, "ties"), 1, 25, 1))
    for dt in FLOATS:  # gradients by finite differences (distinct values)
        for _ in range(4):
            shape = rand_shape(rng)
            d = rng.randrange(len(shape))
            x = make_input(rng, shape, dt, "distinct")
            cases.append(Case("topk", x, d, rng.randint(1, shape[d]), rng.randint(0, 1), 1))
            cases.append(Case("kthvalue", x, d, rng.randint(1, shape[d]), rng.randint(0, 1)))
            cases.append(Case("sort", x, d, 0, rng.randint(0, 1), rng.randint(0, 1)))
    s0 = make_input(rng, [], "float32")
    x = make_input(rng, [2, 3], "float32")
    b = make_input(rng, [4], "bool")
    cases += [Case("topk", s0, 0, 1), Case("topk", s0, 0, 0), Case("topk", s0, 0, 2), Case("kthvalue", s0, 0, 1),
              Case("kthvalue", s0, 0, 2), Case("topk", x, 1, 4), Case("topk", x, 1, -1), Case("topk", x, 2, 1),
              Case("kthvalue", x, 1, 4), Case("kthvalue", x, 1, 0), Case("kthvalue", x, -1, -1),
              Case("kthvalue", make_input(rng, [2, 0], "float32"), 1, 1),
              Case("kthvalue", make_input(rng, [0, 2], "float32"), 1, 1),
              Case("topk", make_input(rng, [3, 0], "float32"), 1, 0), Case("topk", make_input(rng, [3, 0], "float32"), 1, 1),
              Case("topk", b, 0, 1), Case("kthvalue", b, 0, 1), Case("topk", make_input(rng, [0, 2], "float32"), 0, 0)]
    return cases


def scan_cases(rng):
    cases = []
    for op in ("cumsum", "cumprod", "logcumsumexp"):
        for dt in ("float32", "float64", "int64", "int32", "bool"):
            for _ in range(6):
                shape = rand_shape(rng)
                d = rng.randrange(-len(shape), len(shape))
                kind = rng.choice(["distinct", "special", "zeros", "pos"])
                cases.append(Case(op, make_input(rng, shape, dt, kind), d))
        for dt in FLOATS:
            for kind in ("pos", "zeros", "distinct"):
                for _ in range(3):
                    shape = rand_shape(rng)
                    cases.append(Case(op, make_input(rng, shape, dt, kind), rng.randrange(len(shape))))
            cases.append(Case(op, make_input(rng, [1000], dt, "pos", "contiguous"), 0))
            cases.append(Case(op, make_input(rng, [50, 30], dt, "pos"), 0))
            cases.append(Case(op, make_input(rng, [], dt, "pos"), 0))
            cases.append(Case(op, make_input(rng, [3, 0], dt, "pos"), 1))
        cases.append(Case(op, make_input(rng, [2, 3], "float32"), 2))
        cases.append(Case(op, make_input(rng, [2, 3], "float32"), -3))
    for op in ("cumsum", "cumprod"):
        for src, dst in (("float32", "float64"), ("float64", "float32"), ("int64", "float32"), ("int32", "int32"),
                         ("float32", "int64"), ("bool", "bool"), ("int32", "float64"), ("bool", "int32")):
            x = make_input(rng, rand_shape(rng), src, "pos", requires_grad=src in FLOATS and dst in FLOATS)
            cases.append(Case(op, x, 0, dtype=dst))
    big = Strided("int32", [40], [1], 0, [2 ** 30 + i for i in range(40)])  # int32 wraps, as PyTorch
    big.fd_safe = True
    cases += [Case("cumsum", big, 0), Case("cumsum", big, 0, dtype="int32"), Case("cumprod", big, 0, dtype="int32")]
    lse = Strided("float64", [6], [1], 0, [-math.inf, -math.inf, 1.0, math.inf, math.inf, math.nan], True)
    lse.fd_safe = False
    cases.append(Case("logcumsumexp", lse, 0))
    return cases


def logical_cases(rng):
    cases = []
    for dt in ("float32", "float64", "int64", "int32", "bool"):
        for _ in range(5):
            shape = rand_shape(rng)
            kind = rng.choice(["ties", "special", "zeros"])
            x = make_input(rng, shape, dt, kind, requires_grad=False)
            d = rng.randrange(-len(shape), len(shape))
            cases += [Case("all", x), Case("any", x), Case("all_dim", x, d, 0, rng.randint(0, 1)),
                      Case("any_dim", x, d, 0, rng.randint(0, 1)), Case("nonzero", x)]
            if not any(isinstance(v, float) and math.isnan(v) for v in x.buf):
                cases.append(Case("unique", x))  # PyTorch 1.13's unique mishandles NaN (hash set)
            cases.append(Case("unique_consecutive", x))
            if dt != "bool":
                cases += [Case("argmin", x), Case("argmin_dim", x, d, 0, rng.randint(0, 1))]
        ones = Strided(dt, [3, 2], [2, 1], 0, [1] * 6)
        zeros = Strided(dt, [3, 2], [1, 3], 0, [0] * 6)
        for x in (ones, zeros):
            cases += [Case("all", x), Case("any", x), Case("all_dim", x, 1, 0, 1), Case("any_dim", x, 0),
                      Case("nonzero", x), Case("unique", x), Case("unique_consecutive", x)]
    for shape in ([], [0], [2, 0, 3]):
        x = make_input(rng, shape, "float32", "ties", requires_grad=False)
        cases += [Case("all", x), Case("any", x), Case("nonzero", x), Case("unique", x), Case("unique_consecutive", x)]
        if shape:
            cases += [Case("all_dim", x, len(shape) - 1), Case("any_dim", x, 0, 0, 1)]
    x = make_input(rng, [2, 3], "float32", requires_grad=False)
    cases += [Case("all_dim", x, 2), Case("any_dim", x, -3), Case("all_dim", make_input(rng, [], "int64"), 0, 0, 1),
              Case("unique", make_input(rng, [500], "int64", "ties", "contiguous", False)),
              Case("unique_consecutive", Strided("int64", [2, 5], [1, 2], 1, [1, 1, 1, 2, 2, 1, 3, 3, 3, 3, 0])),
              Case("unique", make_input(rng, [4, 50], "float64", "ties", requires_grad=False)),
              Case("nonzero", make_input(rng, [3, 4, 5, 2], "float32", "zeros", requires_grad=True))]
    return cases


def main():
    binary = sys.argv[1]
    rng = random.Random(1013)
    torch.manual_seed(0)
    cases = sort_cases(rng) + topk_cases(rng) + scan_cases(rng) + logical_cases(rng)
    lines, wants = [], []
    for c in cases:
        line, want = run_torch(c, rng)
        lines.append(line)
        wants.append(want)
    check = Checker("sortscan")
    stats = Stats()
    for line, want, text in zip(lines, wants, run_c(binary, lines)):
        reason = compare(text, want, stats)
        check.check(reason is None, f"{reason}: case {line[:300]}\n--- ctorch:\n{text}--- torch:\n{want}"[:3000])
    print(f"gradients: {stats.identical}/{stats.grads} elements bit-identical to PyTorch")
    check.finish()


if __name__ == "__main__":
    main()
