"""Elementwise ops against PyTorch: arithmetic with broadcasting and type promotion,
comparisons, where, unary math and activations, in-place variants and autograd.

Each case gives the op, two float arguments (alpha, a scalar operand, a slope, clamp
bounds, softplus beta/threshold ...), its tensors (a buffer plus strides and offset, so
inputs are often transposed, sliced or offset), the gradient `w` of the output (the
gradient of sum(out * w)), a finite-difference flag and a non-leaf flag (in-place ops then
run on `a * 1`). Both sides print (harness.result_answer / tu_print_result):
  ok <dtype> torch.Size([...])       or   err <PyTorch's message>
  fn <grad_fn name>(<next functions' names>)
  v <values>
  in <values of the first input after the call>   (in-place ops, also after an error)
  g<k> <gradient of input k>, or bwerr <message>
  fd ok                                            (float64: C checks its gradients
                                                    against central differences)
Dtypes, shapes, messages and names are compared exactly. Values are compared bit for bit
where ctorch computes what PyTorch's AVX2 kernels compute (SLEEF exp/log/tanh/...,
sigmoid's blocks of 16, fma for add with alpha, gelu); otherwise (the ops whose
PyTorch kernel picks vector or scalar code by memory layout, on non-contiguous inputs)
to 1e-5 (float32) or 1e-12 (float64) relative. Gradients: same tolerances, relative to
the largest gradient element as well (sums over broadcast dims may be ordered
differently).

Case line: op p0 p1 nonleaf <op inputs>  (p0, p1 as hex floats; op inputs: harness.op_inputs)
"""
import math
import operator
import os
import random
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (FLOATS, Checker, close, error_text, gradient_answer, laid_out, op_inputs,  # noqa: E402
                     result_answer, run_c, values)

ALL = ("bool", "int32", "int64", "float32", "float64")
NUMERIC = ("int32", "int64", "float32", "float64")
TOL = {"float32": 1e-5, "float64": 1e-12}


def py(v):
    """The Python number an integral-or-not double argument (alpha, clamp bounds, fill
    values) stands for. Scalar operands of the *_scalar ops are always Python floats."""
    return int(v) if math.isfinite(v) and v == math.floor(v) else float(v)


def make_spec(rng, shape, dt, values, layout="c", requires_grad=False):
    """An input over a buffer of values(): layout "c" contiguous, "t" the last two dims
    swapped in memory, "s" a step of 2 on the last dim, "o" shuffled dims, steps and an
    offset."""
    nd = len(shape)
    order, steps, offset = list(range(nd)), [1] * nd, 0
    if layout == "t" and nd >= 2:
        order[-1], order[-2] = order[-2], order[-1]
    elif layout == "s" and nd >= 1:
        steps[-1] = 2
    elif layout == "o":
        rng.shuffle(order)
        steps = [rng.choice([1, 2]) for _ in range(nd)]
        offset = rng.randrange(1, 4)
    return laid_out(dt, shape, values, order, steps, offset, requires_grad)


# ---- ops: name -> (torch function of (tensors, p0, p1), value exactness) ---------------
# exactness: "exact" always bit-exact; "layout" bit-exact when every tensor input is
# contiguous (PyTorch vectorises by layout); "tol" compared with tolerance.

def clamp_args(p0, p1):
    return (None if math.isnan(p0) else py(p0)), (None if math.isnan(p1) else py(p1))


def on_tensors(f):
    """An op of the tensors alone: f(t0, t1, ...)."""
    return lambda t, p0, p1: f(*t)


def on_scalar(f):
    """A *_scalar op: f(t0, p0), the scalar operand a Python float."""
    return lambda t, p0, p1: f(t[0], float(p0))


OPS = {name: (on_tensors(getattr(torch, name)), "exact") for name in (
    "add", "sub", "rsub", "mul", "div", "floor_divide", "remainder", "maximum", "minimum", "eq", "ne", "lt", "le",
    "gt", "ge", "logical_and", "logical_or", "where", "neg", "abs", "exp", "log", "log1p", "sqrt", "rsqrt", "sin",
    "cos", "tanh", "relu", "sign", "floor", "ceil", "round", "logical_not")}
OPS.update({name: (on_tensors(getattr(torch.Tensor, name)), "exact")
            for name in ("add_", "sub_", "mul_", "div_", "relu_", "zero_")})
OPS.update({name + "_scalar": (on_scalar(getattr(operator, name)), "exact")
            for name in ("add", "sub", "mul", "eq", "ne", "lt", "le", "gt", "ge")})
OPS.update({
    "div_scalar": (on_scalar(operator.truediv), "exact"),
    "rsub_scalar": (on_scalar(lambda a, s: s - a), "exact"),
    "pow_scalar": (on_scalar(operator.pow), "layout"),
    "rpow_scalar": (on_scalar(lambda a, s: s ** a), "layout"),
    "add_scalar_": (on_scalar(torch.Tensor.add_), "exact"),
    "mul_scalar_": (on_scalar(torch.Tensor.mul_), "exact"),
    "add_alpha": (lambda t, p0, p1: torch.add(t[0], t[1], alpha=py(p0)), "layout"),
    "sub_alpha": (lambda t, p0, p1: torch.sub(t[0], t[1], alpha=py(p0)), "layout"),
    "pow": (on_tensors(torch.pow), "layout"),
    "sigmoid": (on_tensors(torch.sigmoid), "layout"),
    "gelu": (on_tensors(F.gelu), "layout"),
    "leaky_relu": (lambda t, p0, p1: F.leaky_relu(t[0], p0), "exact"),
    "softplus": (lambda t, p0, p1: F.softplus(t[0], p0, p1), "layout"),
    "clamp": (lambda t, p0, p1: torch.clamp(t[0], *clamp_args(p0, p1)), "exact"),
    "clamp_": (lambda t, p0, p1: t[0].clamp_(*clamp_args(p0, p1)), "exact"),
    "fill_": (lambda t, p0, p1: t[0].fill_(py(p0)), "exact"),
})


class Case:
    def __init__(self, op, specs, p0=0.0, p1=0.0, nonleaf=False):
        self.op, self.specs, self.p0, self.p1, self.nonleaf = op, specs, p0, p1, nonleaf


def run_torch(case, rng):
    """Returns (case line, expected answer, exactness of the values)."""
    fn, exactness = OPS[case.op]
    ts = [s.leaf() for s in case.specs]
    head = f"{case.op} {float(case.p0).hex()} {float(case.p1).hex()} {int(case.nonleaf)} "
    inplace = case.op.endswith("_")
    args = list(ts)
    if case.nonleaf:
        args[0] = args[0] * 1
    if exactness == "layout":
        # Bit for bit when every input is contiguous (PyTorch picks its vector code by layout).
        exactness = "exact" if all(s.contiguous for s in case.specs) else "tol"
    try:
        out = fn(args, case.p0, case.p1)
    except RuntimeError as ex:
        text = f"err {error_text(ex)}\n"
        if inplace:
            text += f"in{values(ts[0])}\n"
        return head + op_inputs(case.specs), text, exactness
    text = result_answer(out, graph_depth=1)
    if inplace:
        text += f"in{values(ts[0])}\n"
    if not out.requires_grad:
        return head + op_inputs(case.specs), text, exactness
    w = torch.tensor([rng.uniform(-2, 2) for _ in range(out.numel())], dtype=out.dtype).reshape(out.shape)
    fd = (out.dtype == torch.float64 and all(s.name == "float64" for s in case.specs if s.requires_grad) and
          case.op != "floor_divide" and
          (case.nonleaf or not inplace) and sum(t.numel() for t in ts) <= 200)
    line = head + op_inputs(case.specs, w, fd)
    try:
        out.backward(w)
    except RuntimeError as ex:
        return line, text + f"bwerr {error_text(ex)}\n", exactness
    text += gradient_answer(case.specs, ts)
    if fd:
        text += "fd ok\n"
    return line, text, exactness


# ---- comparing answers -----------------------------------------------------------

def all_close(got, want, tol, scale_too):
    if len(got) != len(want):
        return False
    scale = max((abs(x) for x in want if math.isfinite(x)), default=0.0) if scale_too else 0.0
    return all(close(a, b, tol, atol=1e-300, scale=scale) for a, b in zip(got, want))


def compare(got, want, exactness, input_dtypes):
    """Line-by-line comparison; returns None or a description of the first mismatch."""
    gl, wl = got.rstrip("\n").split("\n"), want.rstrip("\n").split("\n")
    if len(gl) != len(wl):
        return "different lines"
    line_dtype = {"in": input_dtypes[0]}
    line_dtype.update({f"g{k}": dt for k, dt in enumerate(input_dtypes)})
    for g, w in zip(gl, wl):
        gt, wt = g.split(" "), w.split(" ")
        key = wt[0]
        if key == "ok":
            line_dtype["v"] = wt[1]
        dt = line_dtype.get(key) if key in ("v", "in") or key[1:].isdigit() else None
        if dt not in FLOATS or gt[0] != key or "None" in (wt[1:2] + gt[1:2]):
            if g != w:
                return f"line {w[:200]!r}"
            continue
        if key == "in" or (key == "v" and exactness == "exact"):
            ok = gt[1:] == wt[1:]  # hex floats: equal text is equal bits (NaN aside)
        else:
            a, b = [float.fromhex(x) for x in gt[1:]], [float.fromhex(x) for x in wt[1:]]
            ok = all_close(a, b, TOL[dt], key != "v")
        if not ok:
            return f"values on line {key}"
    return None


# ---- case generators -------------------------------------------------------------

def rand_shape(rng, lo=0, hi=4, smax=5):
    return [0 if rng.random() < 0.03 else rng.randint(1, smax) for _ in range(rng.randint(lo, hi))]


def broadcast_partner(rng, shape):
    """A shape that broadcasts with `shape`: a suffix with some dims set to 1."""
    k = rng.randint(0, len(shape))
    return [1 if rng.random() < 0.3 else s for s in shape[len(shape) - k:]]


DOMAINS = {
    "any": (lambda r: r.gauss(0, 2), lambda r: r.randint(-10, 10)),
    "pos": (lambda r: r.uniform(0.5, 3), lambda r: r.randint(1, 10)),
    "nonzero": (lambda r: r.choice([-1, 1]) * r.uniform(0.5, 3), lambda r: r.choice([-1, 1]) * r.randint(1, 10)),
    "exponent": (lambda r: r.uniform(-2, 2), lambda r: r.randint(0, 4)),
    "small": (lambda r: r.uniform(-1.5, 1.5), lambda r: r.randint(-3, 3)),
}


def spec(rng, shape, dt, domain="any", grad_p=0.8, layout=None):
    fvals, ivals = DOMAINS[domain]
    if dt == "bool":
        gen = lambda: rng.random() < 0.5  # noqa: E731
    elif dt in FLOATS:
        gen = lambda: fvals(rng)  # noqa: E731
    else:
        gen = lambda: ivals(rng)  # noqa: E731
    if layout is None:
        layout = rng.choice(["c", "c", "c", "t", "s", "o"])
    return make_spec(rng, shape, dt, gen, layout, requires_grad=rng.random() < grad_p)


def pick_dtypes(rng, allowed, n):
    """Mostly one dtype for all inputs, sometimes a mix (promotion)."""
    if rng.random() < 0.6:
        return [rng.choice(allowed)] * n
    return [rng.choice(allowed) for _ in range(n)]


BINARY = {  # op: (dtypes, domain of a, domain of b)
    "add": (ALL, "any", "any"), "sub": (NUMERIC, "any", "any"), "rsub": (NUMERIC, "any", "any"),
    "mul": (ALL, "any", "any"), "div": (ALL, "any", "nonzero"), "add_alpha": (ALL, "any", "any"),
    "sub_alpha": (NUMERIC, "any", "any"), "floor_divide": (NUMERIC, "any", "nonzero"),
    "remainder": (NUMERIC, "any", "nonzero"), "pow": (NUMERIC, "pos", "exponent"),
    "maximum": (ALL, "any", "any"), "minimum": (ALL, "any", "any"),
    "eq": (ALL, "small", "small"), "ne": (ALL, "small", "small"), "lt": (ALL, "small", "small"),
    "le": (ALL, "small", "small"), "gt": (ALL, "small", "small"), "ge": (ALL, "small", "small"),
    "logical_and": (ALL, "small", "small"), "logical_or": (ALL, "small", "small"),
}
SCALAR = {  # op: (dtypes, domain, scalar values)
    "add_scalar": (ALL, "any", [2, -3, 0.5, 1.25, -7.75]), "sub_scalar": (NUMERIC, "any", [2, 0.5, -1.5]),
    "rsub_scalar": (NUMERIC, "any", [1, 0.25, -2.5]), "mul_scalar": (ALL, "any", [2, -1, 0.1, 3.5, 0]),
    "div_scalar": (ALL, "any", [2, -3, 0.7, 4.5]), "pow_scalar": (NUMERIC, "pos", [2, 3, 0.5, -0.5, -1, -2, 0, 1, 1.7, -1.3, 2.5]),
    "rpow_scalar": (NUMERIC, "small", [2, 0.5, 1.5, 3]), "eq_scalar": (ALL, "small", [0, 1, 0.5]),
    "ne_scalar": (ALL, "small", [0, 1, -1.5]), "lt_scalar": (ALL, "small", [0, 1, 0.5]),
    "le_scalar": (ALL, "small", [0, -1, 0.5]), "gt_scalar": (ALL, "small", [0, 2, -0.5]),
    "ge_scalar": (ALL, "small", [1, 0.5]),
}
UNARY = {  # op: (dtypes, domain)
    "neg": (NUMERIC, "any"), "abs": (NUMERIC, "any"), "exp": (ALL, "any"), "log": (NUMERIC, "pos"),
    "log1p": (NUMERIC, "pos"), "sqrt": (NUMERIC, "pos"), "rsqrt": (NUMERIC, "pos"), "sin": (ALL, "any"),
    "cos": (ALL, "any"), "tanh": (ALL, "any"), "sigmoid": (ALL, "any"), "relu": (NUMERIC, "any"),
    "gelu": (FLOATS, "any"), "sign": (ALL, "any"), "floor": (NUMERIC, "any"), "ceil": (NUMERIC, "any"),
    "round": (NUMERIC, "any"), "logical_not": (ALL, "small"),
}


def gen_binary(rng, op):
    dtypes, da, db = BINARY[op]
    dts = pick_dtypes(rng, dtypes, 2)
    sa = rand_shape(rng)
    sb = broadcast_partner(rng, sa)
    if rng.random() < 0.5:
        sa, sb = sb, sa
    p0 = rng.choice([2, -1, 0.5, -1.5]) if op in ("add_alpha", "sub_alpha") else 0.0
    if p0 and not isinstance(p0, int) and not all(d in FLOATS for d in dts) and rng.random() < 0.7:
        p0 = 3
    return Case(op, [spec(rng, sa, dts[0], da), spec(rng, sb, dts[1], db)], float(p0))


def gen_scalar(rng, op):
    dtypes, dom, scalars = SCALAR[op]
    dt = rng.choice(dtypes)
    s = rng.choice(scalars)
    if op == "pow_scalar" and dt not in FLOATS and isinstance(s, int) and s < 0:
        s = rng.choice([2, 3, 0, 1, -1])  # still sometimes the "negative integer powers" error
    return Case(op, [spec(rng, rand_shape(rng), dt, dom)], float(s))


def gen_unary(rng, op):
    dtypes, dom = UNARY[op]
    return Case(op, [spec(rng, rand_shape(rng), rng.choice(dtypes), dom)])


def gen_activation(rng, op):
    dt = rng.choice(FLOATS)
    x = spec(rng, rand_shape(rng), dt)
    if op == "leaky_relu":
        return Case(op, [x], rng.choice([0.01, 0.2, 1.5]))
    if op == "softplus":
        return Case(op, [x], rng.choice([1, 2, 0.5]), rng.choice([20, 1, 2.5]))
    lo, hi = rng.choice([(-0.5, 0.5), (0, math.nan), (math.nan, 0.25), (-1, 2), (1, -1)])
    if rng.random() < 0.3:
        dt = rng.choice(["int32", "int64", "bool"])
        x = spec(rng, rand_shape(rng), dt)
        lo, hi = rng.choice([(-2, 3), (0, math.nan), (-1.5, 2), (math.nan, 1)])
    return Case("clamp", [x], float(lo), float(hi))


def gen_where(rng):
    so = rand_shape(rng)
    shapes = [broadcast_partner(rng, so) for _ in range(3)]
    shapes[rng.randrange(3)] = so
    dts = pick_dtypes(rng, ALL, 2)
    cdt = "bool" if rng.random() > 0.05 else "float32"
    return Case("where", [spec(rng, shapes[0], cdt), spec(rng, shapes[1], dts[0]), spec(rng, shapes[2], dts[1])])


INPLACE_BINARY = {"add_": (ALL, "nonzero"), "sub_": (NUMERIC, "any"), "mul_": (ALL, "any"), "div_": (ALL, "nonzero")}


def gen_inplace(rng, op):
    """In-place ops: on a non-leaf (autograd rebases its grad_fn) or on a leaf."""
    nonleaf = rng.random() < 0.5
    shape = rand_shape(rng)
    grad_p = 0.8 if nonleaf else 0.15  # a leaf that requires grad must error
    if op in INPLACE_BINARY:
        dtypes, dom = INPLACE_BINARY[op]
        dts = pick_dtypes(rng, dtypes, 2)
        other = broadcast_partner(rng, shape)
        if rng.random() < 0.08:
            shape, other = other, shape  # broadcasting would grow the target: error
        return Case(op, [spec(rng, shape, dts[0], grad_p=grad_p), spec(rng, other, dts[1], dom)], nonleaf=nonleaf)
    dt = rng.choice(NUMERIC if op != "fill_" else ALL)
    x = spec(rng, shape, dt, grad_p=grad_p)
    if op in ("add_scalar_", "mul_scalar_", "fill_"):
        return Case(op, [x], float(rng.choice([2, -1, 0.5, 1.75])), nonleaf=nonleaf)
    if op == "clamp_":
        lo, hi = rng.choice([(-0.5, 0.5), (0, math.nan), (-2, 3), (math.nan, 1.5)])
        return Case(op, [x], float(lo), float(hi), nonleaf=nonleaf)
    return Case(op, [x], nonleaf=nonleaf)


def gen_large(rng):
    """Sizes that exercise the vector blocks, their tails and the OpenMP split."""
    op = rng.choice(["add", "mul", "div", "exp", "log", "tanh", "sigmoid", "pow_scalar", "add_alpha", "sin",
                     "softplus", "relu", "where"])
    n = rng.choice([15, 16, 17, 31, 33, 100, 1000, 4099, 70000])
    dt = rng.choice(FLOATS)
    dom = "pos" if op in ("log", "pow_scalar") else "any"
    x = spec(rng, [n], dt, dom, layout="c")
    if op in ("add", "mul", "div", "add_alpha"):
        # A broadcast operand only without grad: ct__grad_for_input sums long runs in
        # order, not in PyTorch's cascade, so float32 sums of 70000 terms differ.
        shape = rng.choice([[n], [1], []])
        y = spec(rng, shape, dt, "nonzero", layout="c", grad_p=0.8 if shape == [n] else 0.0)
        return Case(op, [x, y], 2.5 if op == "add_alpha" else 0.0)
    if op == "where":
        return Case(op, [spec(rng, [n], "bool", layout="c"), x, spec(rng, [n], dt, layout="c")])
    if op == "pow_scalar":
        return Case(op, [x], rng.choice([1.7, 2.0, -0.5]))
    if op == "softplus":
        return Case(op, [x], 1.0, 20.0)
    return Case(op, [x])


def gelu_cases(rng):
    """GELU on long contiguous runs (PyTorch: oneDNN for float32, ATen's vector kernel and
    its scalar tail for float64), over the whole range and its special values."""
    def value():
        if rng.random() < 0.1:
            return rng.choice([0.0, -0.0, math.inf, -math.inf, 1e-30, -1e-30, 9.5, -9.5, 13.25, -13.25])
        return rng.uniform(-6, 6) if rng.random() < 0.7 else rng.uniform(-14, 14)
    return [Case("gelu", [make_spec(rng, shape, dt, value, requires_grad=True)])
            for shape, dt in (([7, 45], "float32"), ([301], "float32"), ([3, 37], "float64"))]


def error_cases(rng):
    """Bad input: each must error with PyTorch's message and leave inputs unchanged."""
    f = lambda shape, dt="float32", rg=False, dom="any": spec(rng, shape, dt, dom, grad_p=float(rg), layout="c")  # noqa
    return [
        Case("add", [f([2, 3]), f([4])]),
        Case("mul", [f([3, 1, 2]), f([4, 3])]),
        Case("where", [f([2], "bool"), f([3]), f([2])]),
        Case("add_", [f([3], rg=True), f([3])]),
        Case("mul_scalar_", [f([2, 2], rg=True)], 2.0),
        Case("relu_", [f([4], rg=True)]),
        Case("fill_", [f([4], rg=True)], 1.0),
        Case("add_", [f([2], "int64"), f([2])]),
        Case("div_", [f([3], "int64"), f([3], "int64", dom="nonzero")]),
        Case("mul_scalar_", [f([3], "int64")], 1.5),
        Case("add_", [f([3], "bool"), f([3], "int64")]),
        Case("add_", [f([2]), f([3, 2])]),
        Case("clamp_", [f([3], "int64")], 0.5, 1.5),
        Case("pow_scalar", [f([3], "int64")], -1.0),
        Case("pow_scalar", [f([3], "int32")], -2.0),
        Case("floor_divide", [f([3], "int64"), make_spec(rng, [3], "int64", lambda: 0)]),
        Case("remainder", [f([2, 2], "int32"), make_spec(rng, [2], "int64", lambda: rng.choice([0, 1]))]),
        Case("floor_divide", [f([3], "bool"), f([3], "bool")]),
        Case("where", [f([3]), f([3]), f([3])]),
        Case("where", [f([3], "int64"), f([3]), f([3])]),
        Case("sub", [f([3], "bool"), f([3], "bool")]),
        Case("sub", [f([3], "bool"), f([3], "int64")]),
        Case("rsub_scalar", [f([3], "bool")], 1.0),
        Case("neg", [f([2], "bool")]),
        Case("abs", [f([2], "bool")]),
        Case("relu", [f([2], "bool")]),
        Case("floor", [f([2], "bool")]),
        Case("gelu", [f([2], "int64")]),
        Case("softplus", [f([2], "int64")], 1.0, 20.0),
        Case("leaky_relu", [f([2], "int32")], 0.1),
        Case("add_alpha", [f([2], "int64"), f([2], "int64")], 2.5),
        Case("pow", [f([2], "bool"), f([2], "bool")]),
        Case("clamp", [f([3])], math.nan, math.nan),
        Case("floor_divide", [f([3], rg=True), f([3], dom="nonzero")]),
        Case("mul_", [f([2, 3], rg=True), f([3])], nonleaf=True),
        Case("mul_", [f([4], rg=True), f([4], rg=True)], nonleaf=True),
    ]


def main():
    rng = random.Random(20240601)
    torch.manual_seed(0)
    cases = []
    for _ in range(6):
        cases += [gen_binary(rng, op) for op in BINARY]
        cases += [gen_scalar(rng, op) for op in SCALAR]
        cases += [gen_unary(rng, op) for op in UNARY]
        cases += [gen_activation(rng, op) for op in ("leaky_relu", "softplus", "clamp", "clamp")]
        cases += [gen_where(rng) for _ in range(3)]
        cases += [gen_inplace(rng, op) for op in list(INPLACE_BINARY) + ["add_scalar_", "mul_scalar_", "clamp_",
                                                                         "relu_", "fill_", "zero_"]]
    cases += [gen_large(rng) for _ in range(40)]
    cases += gelu_cases(rng)
    cases += error_cases(rng)
    lines, expected, exactness = [], [], []
    for case in cases:
        line, want, ex = run_torch(case, rng)
        lines.append(line)
        expected.append(want)
        exactness.append(ex)
    if len(sys.argv) > 2:  # debugging: write the cases for running the C program by hand
        with open(sys.argv[2], "w") as f:
            f.write("".join(line + "\n" for line in lines))
    got = run_c(sys.argv[1], lines)
    chk = Checker("elementwise")
    for case, line, g, w, ex in zip(cases, lines, got, expected, exactness):
        problem = compare(g, w, ex, [spec.name for spec in case.specs])
        shown = line if len(line) < 300 else line[:300] + " ..."
        chk.check(problem is None, f"{problem}: case {shown!r}\n--- ctorch:\n{g[:1500]}\n--- torch:\n{w[:1500]}")
    errors = sum(w.startswith("err") for w in expected)
    print(f"({errors} of the cases are errors, {sum('fd ok' in w for w in expected)} with finite differences)")
    chk.finish()


if __name__ == "__main__":
    main()
