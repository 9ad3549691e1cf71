"""Matrix products against PyTorch: matmul (every rank combination from 1-D to 4-D, with
broadcast batch dims), mm, bmm, mv, dot, outer, addmm and linear.

Each case gives the op, beta and alpha (addmm), its tensors (a buffer plus strides and
offset, so operands are often transposed, sliced or permuted views) and the gradient `w`
of the output (the gradient of sum(out * w)). The C program prints the result's dtype,
shape, grad_fn graph (Name(next,...), "Leaf" for AccumulateGrad) and values, then the
gradients of the inputs that require grad; errors print PyTorch's message. For float64
cases it also checks its gradients against central finite differences of its own forward
and prints "fd ok".

Dtypes, shapes, graphs and error messages must be identical. Integer results must be
identical. Float results may differ from PyTorch's by rounding only: each element must
lie within 2 * eps * (K + 2) * m of PyTorch's, where m is the same computation on the
absolute values of all inputs (in float64; it bounds every partial sum, the products
being multilinear) and K the largest size in the case (the longest sum). The driver also
reports how many float elements are bit-identical to PyTorch's (expected: all, with
OpenBLAS, which PyTorch calls the same way).

The cases run twice: with ctorch's default GEMM (OpenBLAS when built with it) and with
CTORCH_GEMM=fallback (the portable blocked GEMM).

Case line: op beta alpha <op inputs>  (beta, alpha as hex floats; op inputs: harness.op_inputs)
"""
import math
import os
import random
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (compare_op_answer, parse_op_answer, FLOATS, NAME, Checker, Strided, error_text, flat,  # noqa: E402
                     gradients_with_magnitudes, graph, op_inputs, random_arrangement, run_c, storage_size, strides_for)

EPS = {"float32": 2.0 ** -24, "float64": 2.0 ** -53}


def make_spec(rng, shape, dt, requires_grad=False, layout="random", zero_stride=False):
    """layout: "contiguous", "random" (permuted dims, steps, offset half of the time),
    "mT" (last two dims transposed in memory), "T01" (first two dims transposed)."""
    nd = len(shape)
    order, steps, offset = list(range(nd)), [1] * nd, 0
    if layout == "random":
        order, steps, offset = random_arrangement(rng, nd)
    elif layout == "mT" and nd >= 2:
        order[-1], order[-2] = order[-2], order[-1]
    elif layout == "T01" and nd >= 2:
        order[0], order[1] = order[1], order[0]
    strides = strides_for(shape, order, steps)
    if zero_stride and nd > 0:  # a broadcast (expanded) operand
        strides[rng.randrange(nd)] = 0
    size = storage_size(shape, strides, offset)
    if dt in FLOATS:
        buf = [rng.uniform(-2, 2) for _ in range(size)]
    elif dt == "bool":
        buf = [rng.random() < 0.5 for _ in range(size)]
    else:
        buf = [rng.randint(-9, 9) for _ in range(size)]
    return Strided(dt, shape, strides, offset, buf, requires_grad)


class Case:
    def __init__(self, op, specs, beta=1.0, alpha=1.0):
        self.op, self.specs, self.beta, self.alpha = op, specs, beta, alpha


PRODUCTS = {"matmul": torch.matmul, "mm": torch.mm, "bmm": torch.bmm, "mv": torch.mv, "dot": torch.dot,
            "outer": torch.outer}


def torch_op(case, ts):
    op = case.op
    if op in PRODUCTS:
        return PRODUCTS[op](ts[0], ts[1])
    if op == "addmm":  # integral scalars act as Python ints (ctorch's scalar rule)
        as_scalar = lambda v: int(v) if v == int(v) else v  # noqa: E731
        return torch.addmm(ts[0], ts[1], ts[2], beta=as_scalar(case.beta), alpha=as_scalar(case.alpha))
    if op == "linear":
        return F.linear(ts[0], ts[1], ts[2] if len(ts) > 2 else None)
    raise ValueError(op)


def run_torch(case, rng):
    """Returns (case line, expected answer as a dict)."""
    ts = [s.view() for s in case.specs]
    head = f"{case.op} {float(case.beta).hex()} {float(case.alpha).hex()} "
    try:
        out = torch_op(case, ts)
    except RuntimeError as ex:
        return head + op_inputs(case.specs), {"err": error_text(ex)}
    want = {"dt": NAME[out.dtype], "shape": f"torch.Size({list(out.shape)})", "fn": graph(out.grad_fn),
            "v": flat(out), "k": max([1] + [max(s.shape, default=1) for s in case.specs])}
    if want["dt"] in FLOATS:
        absolute = [s.view(absolute=True) for s in case.specs]
        for a in absolute:
            a.requires_grad_(False)
        want["m"] = flat(torch_op(Case(case.op, case.specs, abs(case.beta), abs(case.alpha)), absolute))
    if not out.requires_grad:
        return head + op_inputs(case.specs), want
    w = torch.tensor([rng.uniform(-2, 2) for _ in range(out.numel())], dtype=out.dtype).reshape(out.shape)
    # Finite differences rerun the op twice per input element: small cases only.
    fd = int(out.dtype == torch.float64 and all(0 not in s.strides for s in case.specs if s.requires_grad) and
             sum(math.prod(s.shape) for s in case.specs) <= 400)
    line = head + op_inputs(case.specs, w, fd)
    out.backward(w)
    # Gradient magnitudes: the same backward on absolute values.
    absolute = [s.view(absolute=True) for s in case.specs]
    torch_op(Case(case.op, case.specs, abs(case.beta), abs(case.alpha)), absolute).backward(w.double().abs())
    want["g"] = gradients_with_magnitudes(case.specs, ts, absolute)
    want["fd"] = bool(fd)
    return line, want


class Stats:
    def __init__(self):
        self.floats = self.identical = 0
        self.differing_ops = {}  # op -> elements that differ in their last bits


def close(got, want, mags, dt, k, stats, op):
    """Elementwise check within the rounding bound; counts bit-identical elements."""
    if got is None or len(got) != len(want):
        return False
    if dt not in FLOATS:
        return got == want
    for g, w, m in zip(got, want, mags):
        stats.floats += 1
        if math.isnan(w) or math.isnan(g):
            if not (math.isnan(w) and math.isnan(g)):
                return False
            stats.identical += 1
            continue
        if g == w:
            stats.identical += 1
            continue
        stats.differing_ops[op] = stats.differing_ops.get(op, 0) + 1
        if abs(g - w) > 2 * EPS[dt] * (k + 2) * m + 1e-300:
            return False
    return True


def compare(got, want, stats, op):
    """Returns None when the answers agree, else a reason."""
    return compare_op_answer(got, want, lambda g, w, m: close(g, w, m, want["dt"], want["k"], stats, op))


# ---- case generators -------------------------------------------------------------

def fdt(rng):
    return rng.choice(["float32", "float64"])


def gen_matmul(rng, ra, rb):
    """Random operands of ranks ra and rb with broadcast batch dims."""
    n, k, p = (rng.choice([0, 1, 1, 2, 3, 4, 5, 7]) for _ in range(3))
    nb = max(ra, rb) - 2
    batch = [rng.randint(1, 4) for _ in range(max(nb, 0))]

    def batch_of(r):
        dims = batch[len(batch) - (r - 2):] if r > 2 else []
        return [1 if rng.random() < 0.3 else d for d in dims]
    sa = batch_of(ra) + ([n, k] if ra >= 2 else [k])
    sb = batch_of(rb) + ([k, p] if rb >= 2 else [k])
    if rng.random() < 0.06:  # mismatched inner size: PyTorch's error
        sb[-2 if rb >= 2 else -1] += 1
    dt = fdt(rng) if rng.random() < 0.9 else rng.choice(["int64", "int32"])
    layout = rng.choice(["random", "random", "mT", "T01", "contiguous"])
    return Case("matmul", [make_spec(rng, sa, dt, rng.random() < 0.8, layout),
                           make_spec(rng, sb, dt, rng.random() < 0.8, rng.choice(["random", "mT", "contiguous"]))])


def spec(rng, shape, dt="float32", rg=True, layout="contiguous"):
    return make_spec(rng, shape, dt, rg, layout)


def structure_cases(rng):
    """The layouts PyTorch's matmul/linear treat differently (parity sheet section 8)."""
    cases = []
    for dt in FLOATS:
        M = lambda a, b, la="contiguous", lb="contiguous", ga=True, gb=True: Case(  # noqa: E731
            "matmul", [spec(rng, a, dt, ga, la), spec(rng, b, dt, gb, lb)])
        cases += [M([3], [3]), M([2, 3], [3]), M([3], [3, 4]), M([2, 3], [3, 4]), M([5, 2, 3], [3, 4]),
                  M([5, 2, 3], [3, 4], la="mT"), M([5, 2, 3], [3, 4], la="T01"), M([6, 5, 2, 3], [3, 4]),
                  M([2, 3], [5, 3, 4]), M([2, 3], [5, 3, 4], lb="mT"), M([3], [5, 3, 4]), M([5, 2, 3], [3]),
                  M([6, 5, 2, 3], [3]), M([5, 2, 3], [5, 3, 4]), M([1, 2, 3], [5, 3, 4]), M([5, 2, 3], [1, 3, 4]),
                  M([6, 5, 2, 3], [5, 3, 4]), M([6, 5, 2, 3], [6, 5, 3, 4]), M([6, 1, 2, 3], [1, 5, 3, 4]),
                  M([5, 2, 3], [6, 5, 3, 4]), M([3], [6, 5, 3, 4]), M([2, 3], [6, 5, 3, 4]),
                  M([5, 2, 3], [3, 4], gb=False), M([5, 2, 3], [3, 4], ga=False), M([2, 3], [5, 3, 4], gb=False),
                  M([5, 2, 3], [3], gb=False), M([5, 1, 3], [3, 4], la="mT"), M([5, 3, 1], [1, 4], la="mT"),
                  M([5, 0, 3], [3, 0]), M([3, 5, 0], [0, 0]), M([0, 5, 2, 3], [1, 3, 4]), M([0], [0]),
                  M([4, 0], [0, 3])]
        L = lambda x, w, b=None, lx="contiguous": Case(  # noqa: E731
            "linear", [spec(rng, x, dt, True, lx), spec(rng, w, dt)] + ([spec(rng, b, dt)] if b else []))
        cases += [L([2, 3], [4, 3], [4]), L([2, 3], [4, 3]), L([2, 5, 3], [4, 3], [4]), L([2, 5, 3], [4, 3]),
                  L([2, 5, 3], [4, 3], [4], "mT"), L([2, 5, 3], [4, 3], lx="mT"), L([6, 2, 5, 3], [4, 3], [4]),
                  L([6, 2, 5, 3], [4, 3]), L([3], [4, 3], [4]), L([3], [4, 3]), L([2, 3], [3]), L([3], [3]),
                  L([2, 3], [4, 3], [4], "mT"), L([1, 5, 3], [4, 3], [4]), L([5, 2, 3], [4, 3], [4], "T01"),
                  L([2, 3], [4, 3], [2, 4]), L([2, 3], [4, 3], [1]), L([2, 5, 3], [4, 3], [5, 4], "mT"),
                  L([10, 5], [3, 5], [3]), L([4, 10, 5], [3, 5], [3]), L([2, 5, 3], [4, 3], [5]),
                  L([3], [4, 3], [2, 4]), L([2, 3], [4, 5]), L([2, 5, 3], [3], [4])]
        # linear where only some inputs require grad
        x, wt, b = spec(rng, [2, 5, 3], dt, False), spec(rng, [4, 3], dt, False), spec(rng, [4], dt)
        cases.append(Case("linear", [x, wt, b]))
    return cases


def product_cases(rng):
    cases = []
    for _ in range(2):
        for dt in FLOATS:
            R = lambda s: make_spec(rng, s, dt, rng.random() < 0.8)  # noqa: E731
            m, k, n = rng.randint(1, 6), rng.randint(1, 6), rng.randint(1, 6)
            b = rng.randint(1, 4)
            cases += [Case("mm", [R([m, k]), R([k, n])]), Case("mv", [R([m, k]), R([k])]),
                      Case("dot", [R([k]), R([k])]), Case("outer", [R([m]), R([n])]),
                      Case("bmm", [R([b, m, k]), R([b, k, n])]),
                      Case("bmm", [R([b, 8, 7]), R([b, 7, 8])]),  # 448 >= 400: one GEMM per batch item
                      Case("bmm", [R([b, 7, 7]), R([b, 7, 8])])]  # 392: PyTorch's plain loop
    for dt in FLOATS:  # sizes that cross the fallback's cache blocks and micro-tiles
        R = lambda s, lay="random": make_spec(rng, s, dt, True, lay)  # noqa: E731
        cases += [Case("mm", [R([250, 341]), R([341, 21])]), Case("mm", [R([13, 650], "mT"), R([650, 19], "mT")]),
                  Case("mm", [R([7, 3]), R([3, 4100])]),
                  Case("mv", [R([70, 290]), R([290])]), Case("mv", [R([70, 290], "mT"), R([290])]),
                  Case("dot", [R([1000]), R([1000])]), Case("bmm", [R([3, 20, 30]), R([3, 30, 20], "mT")]),
                  Case("matmul", [R([3, 40, 50]), R([50, 30])]),
                  Case("linear", [R([64, 100], "contiguous"), R([50, 100], "contiguous"), R([50], "contiguous")])]
    # broadcast (stride 0) operands, as produced by expand()
    for dt in FLOATS:
        cases += [Case("mm", [make_spec(rng, [4, 3], dt, False, zero_stride=True), spec(rng, [3, 5], dt)]),
                  Case("mv", [spec(rng, [4, 3], dt), make_spec(rng, [3], dt, False, zero_stride=True)]),
                  Case("dot", [spec(rng, [5], dt), make_spec(rng, [5], dt, False, zero_stride=True)])]
    # addmm: bias shapes, beta/alpha, beta 0 ignoring NaN, empty products
    for dt in FLOATS:
        for bias in ([4], [3, 4], [1, 4], [3, 1], [], [1, 1], [1]):
            for beta, alpha in ((1.0, 1.0), (0.5, 2.0), (0.0, -1.5), (-2.0, 1.0)):
                cases.append(Case("addmm", [make_spec(rng, bias, dt, rng.random() < 0.8),
                                            make_spec(rng, [3, 5], dt, rng.random() < 0.8),
                                            make_spec(rng, [5, 4], dt, rng.random() < 0.8)], beta, alpha))
        nan_bias = Strided(dt, [3, 4], [4, 1], 0, [float("nan")] * 12, False)
        cases.append(Case("addmm", [nan_bias, spec(rng, [3, 2], dt), spec(rng, [2, 4], dt)], 0.0, 1.0))
        cases.append(Case("addmm", [spec(rng, [4], dt), spec(rng, [3, 0], dt), spec(rng, [0, 4], dt)], 3.0, 1.0))
        cases.append(Case("addmm", [spec(rng, [4], dt), spec(rng, [3, 0], dt), spec(rng, [0, 4], dt)], 0.0, 1.0))
    # integer products (exact)
    for dt in ("int64", "int32"):
        I = lambda s: make_spec(rng, s, dt, False)  # noqa: E731
        cases += [Case("mm", [I([3, 4]), I([4, 2])]), Case("mv", [I([3, 4]), I([4])]), Case("dot", [I([5]), I([5])]),
                  Case("bmm", [I([2, 3, 4]), I([2, 4, 5])]), Case("bmm", [I([2, 9, 9]), I([2, 9, 9])]),
                  Case("matmul", [I([2, 3, 4]), I([4])]), Case("outer", [I([3]), I([2])]),
                  Case("addmm", [I([2]), I([3, 4]), I([4, 2])], 2.0, 3.0),
                  Case("addmm", [I([2]), I([3, 4]), I([4, 2])], 0.5, 2.0)]
    return cases


def error_cases(rng):
    S = lambda shape, dt="float32": make_spec(rng, shape, dt, False)  # noqa: E731
    C = Case
    return [
        C("mm", [S([4, 3]), S([2, 2])]), C("matmul", [S([4, 3]), S([2, 2])]),
        C("mm", [S([3]), S([3, 5])]), C("mm", [S([2, 3]), S([2, 3, 5])]),
        C("mm", [S([2, 3]), S([3, 2], "float64")]), C("mm", [S([2, 3], "int64"), S([3, 2])]),
        C("mm", [S([2, 3], "int32"), S([3, 2], "int64")]), C("mm", [S([2, 3], "bool"), S([3, 2], "bool")]),
        C("mm", [S([2, 3]), S([3, 2], "bool")]), C("mm", [S([2, 0], "bool"), S([0, 2], "bool")]),
        C("bmm", [S([2, 2, 3]), S([2, 4, 5])]), C("bmm", [S([2, 2, 3]), S([3, 3, 5])]),
        C("bmm", [S([2, 3]), S([3, 3, 5])]), C("bmm", [S([2, 2, 3]), S([3, 5])]),
        C("bmm", [S([2, 2, 3], "int64"), S([2, 3, 2])]), C("bmm", [S([2, 20, 30], "int64"), S([2, 30, 20])]),
        C("bmm", [S([2, 20, 30]), S([2, 30, 20], "int64")]), C("bmm", [S([2, 2, 3], "bool"), S([2, 3, 2])]),
        C("bmm", [S([2, 2, 3]), S([2, 3, 2], "bool")]), C("bmm", [S([2, 20, 30]), S([2, 30, 20], "bool")]),
        C("bmm", [S([2, 20, 30], "bool"), S([2, 30, 20])]),
        C("mv", [S([2, 3]), S([4])]), C("mv", [S([3]), S([4])]), C("mv", [S([2, 3]), S([3, 1])]),
        C("mv", [S([2, 3, 4]), S([3])]), C("mv", [S([2, 3]), S([3], "float64")]), C("mv", [S([2, 3], "int64"), S([3])]),
        C("mv", [S([2, 3], "bool"), S([3], "bool")]), C("mv", [S([2, 3]), S([3], "bool")]),
        C("dot", [S([3]), S([4])]), C("dot", [S([3, 1]), S([3])]), C("dot", [S([3]), S([3, 1])]),
        C("dot", [S([3]), S([3], "float64")]), C("dot", [S([3], "bool"), S([3], "bool")]),
        C("dot", [S([3], "bool"), S([4], "bool")]), C("dot", [S([3]), S([3], "int64")]),
        C("outer", [S([3]), S([3, 2])]), C("outer", [S([3, 1]), S([3])]), C("outer", [S([]), S([4])]),
        C("outer", [S([3]), S([3], "float64")]), C("outer", [S([3], "int64"), S([4])]),
        C("matmul", [S([]), S([2, 2])]), C("matmul", [S([2, 2]), S([])]), C("matmul", [S([3]), S([4])]),
        C("matmul", [S([3]), S([4, 2])]), C("matmul", [S([2, 3]), S([4])]), C("matmul", [S([5, 2, 3]), S([4])]),
        C("matmul", [S([5, 2, 3]), S([4, 2])]), C("matmul", [S([3]), S([5, 4, 2])]),
        C("matmul", [S([5, 2, 3]), S([5, 4, 2])]), C("matmul", [S([5, 2, 3]), S([4, 3, 2])]),
        C("matmul", [S([2, 5, 2, 3]), S([4, 3, 2])]), C("matmul", [S([2, 3]), S([3, 2], "float64")]),
        C("matmul", [S([2, 3], "float64"), S([3, 2])]), C("matmul", [S([3]), S([3], "float64")]),
        C("matmul", [S([2, 3]), S([3], "float64")]), C("matmul", [S([3]), S([3, 2], "float64")]),
        C("matmul", [S([4, 2, 3]), S([3, 2], "float64")]), C("matmul", [S([4, 2, 3]), S([4, 3, 2], "float64")]),
        C("matmul", [S([2, 3]), S([5, 3, 4], "float64")]), C("matmul", [S([3, 2], "bool"), S([2], "bool")]),
        C("matmul", [S([3], "bool"), S([3], "bool")]), C("matmul", [S([4, 2, 3], "bool"), S([4, 3, 2], "bool")]),
        C("addmm", [S([2]), S([2, 3]), S([3, 2], "float64")]), C("addmm", [S([2], "float64"), S([2, 3]), S([3, 2])]),
        C("addmm", [S([2]), S([2, 3], "int64"), S([3, 2])]), C("addmm", [S([3]), S([2, 3]), S([3, 2])]),
        C("addmm", [S([2, 3]), S([2, 3]), S([3, 2])]), C("addmm", [S([2]), S([2, 3]), S([4, 2])]),
        C("addmm", [S([2]), S([3]), S([3, 2])]), C("addmm", [S([2]), S([2, 3]), S([3])]),
        C("addmm", [S([2]), S([2, 3, 1]), S([3, 2])]), C("addmm", [S([2, 2, 2]), S([2, 3]), S([3, 2])]),
        C("addmm", [S([3, 1]), S([2, 3]), S([3, 2])]), C("addmm", [S([2], "bool"), S([2, 3], "bool"), S([3, 2], "bool")]),
        C("addmm", [S([2], "bool"), S([2, 0], "bool"), S([0, 2], "bool")]),
        C("addmm", [S([2], "int64"), S([2, 0], "int64"), S([0, 2], "int64")], 0.5, 1.0),
        C("linear", [S([2, 3]), S([4, 5])]), C("linear", [S([2, 3]), S([4, 3]), S([5])]),
        C("linear", [S([3]), S([4, 5])]), C("linear", [S([2, 2, 3]), S([4, 5])]),
        C("linear", [S([2, 2, 3]), S([4, 3]), S([5])]), C("linear", [S([2, 3]), S([4, 3], "float64")]),
        C("linear", [S([2, 3], "float64"), S([4, 3]), S([4])]), C("linear", [S([2, 3]), S([4, 3]), S([4], "float64")]),
        C("linear", [S([]), S([4, 3])]), C("linear", [S([2, 3]), S([3]), S([2])]),
        C("linear", [S([2, 3]), S([2, 4, 3])]), C("linear", [S([2, 3], "bool"), S([4, 3], "bool")]),
    ]


def main():
    binary = sys.argv[1]
    rng = random.Random(1313)
    torch.manual_seed(0)
    cases = structure_cases(rng) + product_cases(rng) + error_cases(rng)
    for ra in range(1, 5):
        for rb in range(1, 5):
            cases += [gen_matmul(rng, ra, rb) for _ in range(14)]
    lines, wants = [], []
    for case in cases:
        line, want = run_torch(case, rng)
        lines.append(line)
        wants.append(want)
    check = Checker("linalg")
    for mode in ("default", "fallback"):
        if mode == "fallback":
            os.environ["CTORCH_GEMM"] = "fallback"
        else:
            os.environ.pop("CTORCH_GEMM", None)
        stats = Stats()
        answers = run_c(binary, lines)
        for line, want, text in zip(lines, wants, answers):
            reason = compare(parse_op_answer(text), want, stats, line.split(" ", 1)[0])
            check.check(reason is None, f"[{mode}] {reason}: case {line[:300]}\n--- ctorch:\n{text}--- torch:\n{want}")
        print(f"{mode} GEMM: {stats.identical}/{stats.floats} float elements bit-identical to PyTorch; "
              f"others (within the bound) by op: {stats.differing_ops}")
    check.finish()


if __name__ == "__main__":
    main()
