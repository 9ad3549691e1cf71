"""nn_extra.h against PyTorch: activations (silu, mish, elu, hardtanh, softplus).

Each case gives the op, two float arguments p0 p1 (alpha; min_val max_val; beta
threshold ...), two integer arguments i0 i1 (reduction, dim ...) and its tensors (a
buffer plus strides and offset: contiguous runs long enough for PyTorch's SIMD blocks,
their tails, and strided views) with the gradient `w` of the output. The C program prints
the result's dtype, shape, grad_fn graph and values, then the input gradients; float64
cases also check the gradients against central finite differences (inputs kept away from
kinks). Dtypes, shapes, graphs and error messages must be identical; values and gradients
within a few units in the last place of PyTorch's (elementwise: |got - want| <= tol *
(|want| + max|want|/1e3)). The driver reports how many float elements are bit-identical.

Case line: op p0 p1 i0 i1 <op inputs>  (p0, p1 as hex floats; op inputs: harness.op_inputs)
"""
import math
import os
import random
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (FLOATS, NAME, Checker, Strided, compare_op_answer, error_text, graph, op_inputs,  # noqa: E402
                     parse_op_answer, run_c, storage_size, strides_for)

# Forward: SLEEF (PyTorch's vector path) or glibc (its scalar tail) rounding. Gradients:
# the same formulas, glibc's exp on every element here.
TOL = {"float32": 8 * 2.0 ** -24, "float64": 8 * 2.0 ** -53}
GRAD_TOL = {"float32": 64 * 2.0 ** -24, "float64": 64 * 2.0 ** -53}


class Case:
    def __init__(self, op, specs, p0=0.0, p1=0.0, i0=0, i1=0, fd_ok=True):
        self.op, self.specs, self.p0, self.p1, self.i0, self.i1, self.fd_ok = op, specs, p0, p1, i0, i1, fd_ok


def torch_op(case, ts):
    op, p0, p1 = case.op, case.p0, case.p1
    if op == "silu":
        return F.silu(ts[0])
    if op == "mish":
        return F.mish(ts[0])
    if op == "elu":
        return F.elu(ts[0], p0)
    if op == "hardtanh":
        return F.hardtanh(ts[0], p0, p1)
    if op == "softplus":
        return F.softplus(ts[0], p0, p1)
    raise ValueError(op)


def flat(t):
    return t.detach().reshape(-1).tolist()


def run_torch(case, rng):
    """Returns (case line, expected answer as a dict)."""
    ts = [s.view() for s in case.specs]
    head = f"{case.op} {float(case.p0).hex()} {float(case.p1).hex()} {case.i0} {case.i1} "
    try:
        out = torch_op(case, ts)
    except (RuntimeError, ValueError, IndexError) as ex:
        return head + op_inputs(case.specs), {"err": error_text(ex)}
    want = {"dt": NAME[out.dtype], "shape": f"torch.Size({list(out.shape)})", "fn": graph(out.grad_fn),
            "v": flat(out)}
    if not out.requires_grad:
        return head + op_inputs(case.specs), want
    w = torch.tensor([rng.uniform(-2, 2) for _ in range(out.numel())], dtype=out.dtype).reshape(out.shape)
    fd = int(case.fd_ok and out.dtype == torch.float64 and sum(math.prod(s.shape) for s in case.specs) <= 300)
    line = head + op_inputs(case.specs, w, fd)
    out.backward(w)
    want["g"] = {k: (None if t.grad is None else (flat(t.grad), flat(t.grad)))
                 for k, (s, t) in enumerate(zip(case.specs, ts)) if s.requires_grad}
    want["fd"] = bool(fd)
    return line, want


class Stats:
    def __init__(self):
        self.floats = self.identical = 0


def close_values(got, want, dt, tol, stats):
    if got is None or len(got) != len(want):
        return False
    if dt not in FLOATS:
        return got == want
    scale = max([abs(w) for w in want if math.isfinite(w)], default=0.0) / 1e3
    for g, w in zip(got, want):
        stats.floats += 1
        if g == w or (math.isnan(g) and math.isnan(w)):
            stats.identical += 1
            continue
        if not (math.isfinite(g) and math.isfinite(w)) or abs(g - w) > tol[dt] * (abs(w) + scale):
            return False
    return True


def compare(got, want, stats):
    """None when the answers agree, else the reason (gradients get GRAD_TOL)."""
    dt = want.get("dt")
    if "err" not in want and close_values(got.get("v"), want["v"], dt, TOL, stats):
        want = dict(want, v=got.get("v"))  # values judged here; gradients below
    return compare_op_answer(got, want, lambda g, w, m: close_values(g, w, dt, GRAD_TOL, stats))


# ---- case generators ----

def make_spec(rng, shape, dt, requires_grad=True, layout="contiguous", draw=None):
    nd = len(shape)
    order, steps, offset = list(range(nd)), [1] * nd, 0
    if layout == "random" and nd > 0:
        rng.shuffle(order)
        steps = [rng.choice([1, 2]) for _ in range(nd)]
        offset = rng.randrange(0, 3)
    strides = strides_for(shape, order, steps)
    size = storage_size(shape, strides, offset)
    draw = draw or (lambda: rng.uniform(-4, 4))
    if dt in FLOATS:
        buf = [draw() for _ in range(size)]
    elif dt == "bool":
        buf = [rng.random() < 0.5 for _ in range(size)]
    else:
        buf = [rng.randint(-5, 5) for _ in range(size)]
    return Strided(dt, shape, strides, offset, buf, requires_grad)


def off_kinks(rng, kinks, lo=-4.0, hi=4.0):
    """A draw at least 1e-3 away from each kink (finite differences stay on one side)."""
    def draw():
        while True:
            v = rng.uniform(lo, hi)
            if all(abs(v - k) > 1e-3 for k in kinks):
                return v
    return draw


def activation_cases(rng):
    cases = []
    specials = [0.0, -0.0, 1.0, -1.0, 20.0, 21.0, -20.0, 1e-8, -1e-8, 88.0, -88.0, 100.0, -100.0,
                float("inf"), float("-inf"), float("nan"), 0.5, -0.5, 2.0, -2.0]
    params = {"silu": [(0.0, 0.0)], "mish": [(0.0, 0.0)], "elu": [(1.0, 0.0), (0.5, 0.0), (2.5, 0.0), (-1.0, 0.0)],
              "hardtanh": [(-1.0, 1.0), (-2.0, 3.0), (0.0, 6.0), (-0.5, 0.25)],
              "softplus": [(1.0, 20.0), (2.0, 10.0), (0.5, 3.0)]}
    for op, plist in params.items():
        for p0, p1 in plist:
            kinks = {"elu": [0.0], "hardtanh": [p0, p1], "softplus": [p1 / p0 if p0 else 0.0]}.get(op, [])
            for dt in FLOATS:
                # lengths around the SIMD blocks (16 floats / 8 doubles) and their tails
                for n in (1, 7, 8, 16, 17, 33, 70):
                    cases.append(Case(op, [make_spec(rng, [n], dt, True, draw=off_kinks(rng, kinks))], p0, p1))
                cases.append(Case(op, [make_spec(rng, [3, 4, 5], dt, True, "random", off_kinks(rng, kinks))], p0, p1))
                cases.append(Case(op, [make_spec(rng, [], dt, True, draw=off_kinks(rng, kinks))], p0, p1))
                cases.append(Case(op, [make_spec(rng, [0, 3], dt, True)], p0, p1))
                sp = Strided(dt, [len(specials)], [1], 0, specials + [p0, p1][:0], True)
                cases.append(Case(op, [sp], p0, p1, fd_ok=False))
                bounds = Strided(dt, [6], [1], 0, [p0, p1, p0 - 1e-3, p1 + 1e-3, (p0 + p1) / 2, 0.0], True)
                cases.append(Case(op, [bounds], p0, p1, fd_ok=False))
            for dt in ("int64", "int32", "bool"):
                cases.append(Case(op, [make_spec(rng, [5], dt, False)], p0, p1))
    return cases


def main():
    binary = sys.argv[1]
    rng = random.Random(1013)
    torch.manual_seed(0)
    cases = activation_cases(rng)
    lines, wants = [], []
    for case in cases:
        line, want = run_torch(case, rng)
        lines.append(line)
        wants.append(want)
    check, stats = Checker("nn_extra"), Stats()
    for line, want, text in zip(lines, wants, run_c(binary, lines)):
        reason = compare(parse_op_answer(text), want, stats)
        check.check(reason is None, f"{reason}: case {line[:300]}\n--- ctorch:\n{text}--- torch:\n{want}")
    print(f"{stats.identical}/{stats.floats} float elements bit-identical to PyTorch")
    check.finish()


if __name__ == "__main__":
    main()
