"""nn_extra.h against PyTorch: activations (silu, mish, elu, hardtanh, softplus),
losses (smooth_l1_loss, huber_loss, kl_div), cosine_similarity, bilinear, embedding_bag,
nn.utils (clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters).

clip_grad_* cases pass the gradients as inputs; both sides put them on fresh parameters,
clip, and answer [total norm, every gradient flattened] as one tensor. Cases whose norms
are exact (integer-valued gradients with an integral norm, or the inf norm) must be
bit-identical: they pin PyTorch's clip-coefficient arithmetic.

Each case gives the op, two float arguments p0 p1 (alpha; min_val max_val; beta
threshold ...), two integer arguments i0 i1 (reduction, dim ...) and its tensors (a
buffer plus strides and offset: contiguous runs long enough for PyTorch's SIMD blocks,
their tails, and strided views) with the gradient `w` of the output. The C program prints
the result's dtype, shape, grad_fn graph and values, then the input gradients; float64
cases also check the gradients against central finite differences (inputs kept away from
kinks). Dtypes, shapes, graphs and error messages must be identical; values and gradients
within a few units in the last place of PyTorch's (elementwise: |got - want| <= tol *
(|want| + max|want|/1e3)), gradients of activations to
tol * (|want| + 4 |output gradient|) (their derivatives cancel near their zeros), and
bilinear (sums of products) to tol * K * (the same computation on absolute values). The driver reports how many float elements are bit-identical.

Case line: op p0 p1 i0 i1 <op inputs>  (p0, p1 as hex floats; op inputs: harness.op_inputs)
"""
import math
import os
import random
import sys

import warnings

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
    def __init__(self, op, specs, p0=0.0, p1=0.0, i0=0, i1=0, fd_ok=True, exact=False):
        self.op, self.specs, self.p0, self.p1, self.i0, self.i1, self.fd_ok = op, specs, p0, p1, i0, i1, fd_ok
        self.exact = exact


REDUCTIONS = ["none", "mean", "sum", "batchmean"]
SUMS = ("bilinear", "embedding_bag")  # sums of products: bounds from magnitudes()


def with_grads(ts):
    params = []
    for g in ts:
        p = torch.zeros_like(g, requires_grad=True)
        p.grad = g.detach().clone()
        params.append(p)
    return params


def norm_and_grads(total, params):
    return torch.cat(([total.reshape(1)] if total is not None else []) + [p.grad.reshape(-1) for p in params])


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
    if op in ("smooth_l1", "huber", "kl_div"):
        red = REDUCTIONS[case.i0] if 0 <= case.i0 < len(REDUCTIONS) else str(case.i0)
        if op == "smooth_l1":
            return F.smooth_l1_loss(ts[0], ts[1], reduction=red, beta=p0)
        if op == "huber":
            return F.huber_loss(ts[0], ts[1], reduction=red, delta=p0)
        return F.kl_div(ts[0], ts[1], reduction=red, log_target=bool(case.i1))
    if op == "cosine_similarity":
        return F.cosine_similarity(ts[0], ts[1], case.i0, p0)
    if op == "bilinear":
        return F.bilinear(*ts)
    if op == "embedding_bag":
        k = 2
        offsets = ts[k] if case.i1 & 1 else None
        k += bool(case.i1 & 1)
        psw = ts[k] if case.i1 & 2 else None
        return F.embedding_bag(ts[1], ts[0], offsets, mode=["sum", "mean", "max", "min"][case.i0],
                               per_sample_weights=psw, include_last_offset=bool(case.i1 & 4),
                               padding_idx=int(p0) if p1 else None)
    if op == "clip_norm":
        params = with_grads(ts)
        return norm_and_grads(torch.nn.utils.clip_grad_norm_(params, p0, p1, bool(case.i0)), params)
    if op == "clip_value":
        params = with_grads(ts)
        torch.nn.utils.clip_grad_value_(params, p0)
        return norm_and_grads(None, params)
    if op == "p2v":
        return torch.nn.utils.parameters_to_vector(ts)
    if op == "v2p":
        params = [torch.zeros_like(t, requires_grad=True) for t in ts[1:]]
        torch.nn.utils.vector_to_parameters(ts[0], params)
        return torch.cat([p.detach().reshape(-1) for p in params])
    raise ValueError(op)


def flat(t):
    return t.detach().reshape(-1).tolist()


def sum_magnitudes(case, w, k, kg):
    """Bounds for sums of products: k (forward) or kg (gradients) times the same
    computation on |inputs| and |w| in float64 (k: the longest sum)."""
    absolute = [s.view(absolute=True).detach().requires_grad_(s.requires_grad) if s.name in FLOATS else s.view()
                for s in case.specs]
    out = torch_op(case, absolute)
    mags = [k * v for v in flat(out)]
    if w is None:
        return mags, {}
    out.backward(w.double().abs())
    return mags, {i: [kg * v for v in flat(a.grad)] for i, a in enumerate(absolute) if a.grad is not None}


def magnitudes(case, w):
    if case.op == "bilinear":
        k = math.prod(case.specs[2].shape[1:]) + 2
        return sum_magnitudes(case, w, k, k * (math.prod(case.specs[0].shape[:-1]) + case.specs[2].shape[0] + 2))
    k = math.prod(case.specs[1].shape) + 2  # embedding_bag: at most every index in one bag
    return sum_magnitudes(case, w, k, k)


def run_torch(case, rng):
    """Returns (case line, expected answer as a dict)."""
    ts = [s.view() for s in case.specs]
    head = f"{case.op} {float(case.p0).hex()} {float(case.p1).hex()} {case.i0} {case.i1} "
    try:
        out = torch_op(case, ts)
    except (RuntimeError, ValueError, IndexError) as ex:
        return head + op_inputs(case.specs), {"err": error_text(ex)}
    if case.op in SUMS and not out.requires_grad and out.dtype in (torch.float32, torch.float64):
        return head + op_inputs(case.specs), {"dt": NAME[out.dtype], "shape": f"torch.Size({list(out.shape)})",
                                              "fn": graph(out.grad_fn), "v": flat(out),
                                              "m": magnitudes(case, None)[0], "tol_dt": NAME[out.dtype]}
    want = {"dt": NAME[out.dtype], "shape": f"torch.Size({list(out.shape)})", "fn": graph(out.grad_fn),
            "v": flat(out), "exact": case.exact,
            # a float32 input bounds the precision of a float64 result (mixed dtypes)
            "tol_dt": "float32" if any(s.name == "float32" for s in case.specs) else NAME[out.dtype]}
    if not out.requires_grad:
        return head + op_inputs(case.specs), want
    w = torch.tensor([rng.uniform(-2, 2) for _ in range(out.numel())], dtype=out.dtype).reshape(out.shape)
    fd = int(case.fd_ok and all(s.name == "float64" for s in case.specs if s.requires_grad) and
             sum(math.prod(s.shape) for s in case.specs) <= 300)
    line = head + op_inputs(case.specs, w, fd)
    out.backward(w)
    # Gradient magnitudes: |grad|, and for an elementwise activation also 4 |w| (its
    # derivative is a sum of terms of size <= 4 that cancel near its zeros: mish, silu).
    elementwise = case.op in ("silu", "mish", "elu", "softplus", "hardtanh")
    mags = lambda t: [abs(v) + (4 * abs(wv) if elementwise else 0)  # noqa: E731
                      for v, wv in zip(flat(t.grad), flat(w.expand_as(t.grad)) if elementwise else flat(t.grad))]
    want["g"] = {k: (None if t.grad is None else (flat(t.grad), mags(t)))
                 for k, (s, t) in enumerate(zip(case.specs, ts)) if s.requires_grad}
    if case.op in SUMS:
        want["m"], grad_mags = magnitudes(case, w)
        want["g"] = {k: (g if g is None else (g[0], grad_mags[k])) for k, g in want["g"].items()}
    want["fd"] = bool(fd)
    return line, want


class Stats:
    def __init__(self):
        self.floats = self.identical = 0


def close_values(got, want, dt, tol, stats, tol_dt=None, mags=None):
    """Each element within tol * (its magnitude (default |want|) + max|want| / 1e3)."""
    if got is None or len(got) != len(want):
        return False
    if dt not in FLOATS:
        return got == want
    scale = max([abs(w) for w in want if math.isfinite(w)], default=0.0) / 1e3
    mags = mags or [abs(w) for w in want]
    for g, w, m in zip(got, want, mags):
        stats.floats += 1
        if g == w or (math.isnan(g) and math.isnan(w)):
            stats.identical += 1
            continue
        if not (math.isfinite(g) and math.isfinite(w)) or abs(g - w) > tol[tol_dt or dt] * (m + scale):
            return False
    return True


def compare(got, want, stats):
    """None when the answers agree, else the reason (gradients get GRAD_TOL)."""
    dt = want.get("dt")
    tol = {"float32": 0.0, "float64": 0.0} if want.get("exact") else TOL
    tol_dt = want.get("tol_dt")
    if "err" not in want and close_values(got.get("v"), want["v"], dt, tol, stats, tol_dt, want.get("m")):
        want = dict(want, v=got.get("v"))  # values judged here; gradients below
    return compare_op_answer(got, want, lambda g, w, m: close_values(g, w, dt, GRAD_TOL, stats, tol_dt, m))


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


def utils_cases(rng):
    cases = []
    G = lambda shape, dt, draw=None, rg=False: make_spec(rng, shape, dt, rg, draw=draw)  # noqa: E731
    integer = lambda: float(rng.randint(-9, 9))  # noqa: E731
    for dt in FLOATS:
        for norm_type in (2.0, 1.0, 3.0, 0.5, float("inf")):
            for max_norm in (1.0, 0.1, 100.0, 0.0):
                specs = [G([rng.randint(1, 5), rng.randint(1, 5)], dt) for _ in range(rng.randint(1, 3))]
                cases.append(Case("clip_norm", specs, max_norm, norm_type))
        # exact norms: (3, 4) -> 5, (5, 12) -> 13; inf norms of integers
        for max_norm in (1.0, 0.3, 2.5, 7.0, 13.0, 1e-3):
            cases.append(Case("clip_norm", [Strided(dt, [2], [1], 0, [3.0, -4.0])], max_norm, 2.0, exact=True))
            cases.append(Case("clip_norm", [Strided(dt, [1], [1], 0, [5.0]), Strided(dt, [1], [1], 0, [12.0])],
                              max_norm, 2.0, exact=True))
            cases.append(Case("clip_norm", [G([3, 2], dt, integer), G([4], dt, integer)], max_norm, float("inf"),
                              exact=True))
        nan_grad = Strided(dt, [3], [1], 0, [1.0, float("nan"), 2.0])
        inf_grad = Strided(dt, [2], [1], 0, [1.0, float("inf")])
        for g in (nan_grad, inf_grad):
            for flag in (0, 1):
                for norm_type in (2.0, float("inf"), 1.0):
                    cases.append(Case("clip_norm", [g, G([2], dt)], 1.0, norm_type, flag))
        cases.append(Case("clip_norm", [G([0], dt)], 1.0, 2.0))
        cases.append(Case("clip_norm", [G([], dt)], 0.5, 2.0))
        for clip in (0.5, 1.0, 0.0, 10.0):
            cases.append(Case("clip_value", [G([3, 4], dt), G([5], dt), nan_grad], clip))
        # parameters_to_vector: gradients flow back through the views
        cases.append(Case("p2v", [G([2, 3], dt, rg=True), G([4], dt, rg=True), G([], dt, rg=True)]))
        cases.append(Case("p2v", [G([2, 2], dt, rg=True)]))
        transposed = make_spec(rng, [3, 2], dt, True, "random")
        cases.append(Case("p2v", [G([2], dt, rg=True), transposed]))
        cases.append(Case("v2p", [G([10], dt), G([2, 3], dt), G([4], dt)]))
        cases.append(Case("v2p", [G([12], dt), G([2, 3], dt), G([], dt)]))
        cases.append(Case("v2p", [G([8], dt), G([2, 3], dt), G([4], dt)]))
        cases.append(Case("v2p", [G([5], dt), G([2, 3], dt)]))
    cases.append(Case("clip_norm", [G([3], "float32"), G([3], "float64")], 1.0, 2.0))
    return cases


def loss_cases(rng):
    cases = []
    G = lambda shape, dt="float64", rg=True, draw=None, layout="contiguous": make_spec(  # noqa: E731
        rng, shape, dt, rg, layout, draw)
    for dt in FLOATS:
        for op, params in (("smooth_l1", (1.0, 0.5, 2.0, 0.0)), ("huber", (1.0, 0.5, 2.0))):
            for p in params:
                for red in (0, 1, 2):
                    # inputs kept off the kinks |x - t| == p (and 0 for beta 0): targets are
                    # the inputs shifted by a draw away from them
                    n = rng.choice([5, 16, 17, 40])
                    x = G([n], dt)
                    shift = off_kinks(rng, [p, -p, 0.0], -3, 3)
                    t = Strided(dt, [n], [1], 0, [v - shift() for v in x.buf], rng.random() < 0.5)
                    cases.append(Case(op, [x, t], p, 0.0, red))
                    cases.append(Case(op, [G([3, 4], dt, layout="random"), G([4], dt, rng.random() < 0.5)], p, 0.0,
                                      red, fd_ok=False))
                    cases.append(Case(op, [G([0, 2], dt), G([0, 2], dt)], p, 0.0, red))
            exact = Strided(dt, [6], [1], 0, [0.0, 0.5, -0.5, 1.0, -1.0, 2.0], True)
            zeros = Strided(dt, [6], [1], 0, [0.0] * 6, True)
            for red in (0, 1, 2):
                cases.append(Case(op, [exact, zeros], 1.0, 0.0, red, fd_ok=False))
                cases.append(Case(op, [exact, zeros], 0.5, 0.0, red, fd_ok=False))
            cases.append(Case("smooth_l1", [exact, zeros], 0.0, 0.0, 1, fd_ok=False))
        positive = lambda: rng.uniform(0.05, 1.0)  # noqa: E731
        for log_target in (0, 1):
            for red in (0, 1, 2, 3):
                tdraw = None if log_target else positive
                cases.append(Case("kl_div", [G([4, 5], dt), G([4, 5], dt, rng.random() < 0.5, tdraw)], 0, 0, red,
                                  log_target))
                cases.append(Case("kl_div", [G([3], dt), G([2, 3], dt, False, tdraw)], 0, 0, red, log_target))
                cases.append(Case("kl_div", [G([], dt), G([], dt, True, tdraw)], 0, 0, red, log_target))
            zero_t = Strided(dt, [4], [1], 0, [0.0, 0.5, 0.25, 0.0], True)
            cases.append(Case("kl_div", [G([4], dt), zero_t], 0, 0, 2, log_target, fd_ok=False))
        cases.append(Case("kl_div", [G([2, 3], dt), G([2, 3], "float32" if dt == "float64" else "float64",
                                                       True, positive)], 0, 0, 3, 0))
        for dim, s1, s2 in ((1, [4, 5], [4, 5]), (0, [3, 4], [3, 4]), (-1, [2, 3, 4], [2, 3, 4]), (1, [3, 4], [1, 4]),
                            (1, [2, 3, 4], [3, 1]), (0, [6], [6]), (1, [0, 3], [0, 3]), (2, [2, 3, 4], [4])):
            for eps in (1e-8, 0.5):
                cases.append(Case("cosine_similarity", [G(s1, dt, layout="random"), G(s2, dt, rng.random() < 0.7)],
                                  eps, 0, dim))
        zero_row = Strided(dt, [2, 3], [3, 1], 0, [0.0, 0.0, 0.0, 1.0, 2.0, 3.0], True)
        cases.append(Case("cosine_similarity", [zero_row, G([2, 3], dt)], 1e-8, 0, 1, fd_ok=False))
    # errors, dtypes
    I = lambda shape, dt: make_spec(rng, shape, dt, False)  # noqa: E731
    cases += [Case("smooth_l1", [G([3]), G([3])], -1.0, 0, 1), Case("huber", [G([3]), G([3])], 0.0, 0, 1),
              Case("huber", [G([3]), G([3])], -2.0, 0, 1), Case("smooth_l1", [I([3], "int64"), I([3], "int64")], 1.0),
              Case("huber", [I([3], "int64"), I([3], "int64")], 1.0), Case("smooth_l1", [G([2, 3]), G([3, 2])], 1.0),
              Case("smooth_l1", [G([3], "float32"), I([3], "int64")], 1.0, 0, 1),
              # (PyTorch's backward fails on mixed dtypes: forward only)
              Case("huber", [G([3], "float32", False), G([3], "float64", False)], 1.0, 0, 2),
              Case("kl_div", [I([3], "int64"), G([3])]), Case("kl_div", [G([3]), I([3], "int32")]),
              Case("kl_div", [G([2]), G([3])], 0, 0, 0),
              Case("cosine_similarity", [I([3], "int64"), I([3], "int64")], 1e-8, 0, 0),
              Case("cosine_similarity", [I([2, 3], "int64"), G([2, 3], "float32", False)], 1e-8, 0, 1),
              Case("cosine_similarity", [G([3], "float32"), G([3], "float64")], 1e-8, 0, 0),
              Case("cosine_similarity", [G([3]), G([3])], 1e-8, 0, 1),
              Case("cosine_similarity", [G([3, 2]), G([2, 3])], 1e-8, 0, 1),
              Case("cosine_similarity", [G([]), G([])], 1e-8, 0, 0)]
    return cases


def bilinear_cases(rng):
    cases = []
    G = lambda shape, dt, rg=True, layout="contiguous": make_spec(rng, shape, dt, rg, layout)  # noqa: E731
    for dt in FLOATS:
        for batch in ([2], [], [3, 2], [0], [1]):
            for i1, i2, o in ((3, 4, 5), (1, 1, 1), (4, 2, 3)):
                specs = [G(batch + [i1], dt, layout="random"), G(batch + [i2], dt, rng.random() < 0.7),
                         G([o, i1, i2], dt, rng.random() < 0.8)]
                if rng.random() < 0.7:
                    specs.append(G([o], dt))
                cases.append(Case("bilinear", specs))
        cases.append(Case("bilinear", [G([6, 20], dt), G([6, 15], dt), G([7, 20, 15], dt), G([7], dt)]))
    S = lambda shape, dt="float32": make_spec(rng, shape, dt, False)  # noqa: E731
    cases += [Case("bilinear", [S([2, 3]), S([3, 4]), S([5, 3, 4])]),
              Case("bilinear", [S([2, 3]), S([2, 5]), S([5, 3, 4])]),
              Case("bilinear", [S([2, 4]), S([2, 4]), S([5, 3, 4])]),
              Case("bilinear", [S([2, 3]), S([2, 2, 4]), S([5, 3, 4])]),
              Case("bilinear", [S([2, 3]), S([2, 4]), S([5, 3, 4]), S([4])]),
              Case("bilinear", [S([2, 3], "float64"), S([2, 4]), S([5, 3, 4])]),
              Case("bilinear", [S([2, 3], "int64"), S([2, 4], "int64"), S([5, 3, 4])])]
    return cases


def embedding_bag_cases(rng):
    cases = []

    # (Empty offsets with a non-empty input crash PyTorch 1.13: not tested.)
    def bag(dt, num, dim, indices, offsets=None, mode=1, psw=False, last=False, padding=None, fd_ok=True):
        specs = [make_spec(rng, [num, dim], dt, True),
                 Strided("int64", [len(indices)] if offsets is not None else [len(indices) // 2, 2]
                         if len(indices) % 2 == 0 else [len(indices)], [1] if offsets is not None else
                         ([2, 1] if len(indices) % 2 == 0 else [1]), 0, indices)]
        flags = 0
        if offsets is not None:
            specs.append(Strided("int64", [len(offsets)], [1], 0, offsets))
            flags |= 1
        if psw:
            specs.append(make_spec(rng, specs[1].shape, dt, True))
            flags |= 2
        if last:
            flags |= 4
        return Case("embedding_bag", specs, float(padding or 0), 1.0 if padding is not None else 0.0, mode, flags,
                    fd_ok=fd_ok)

    for dt in FLOATS:
        for mode in (0, 1, 2):
            for _ in range(3):
                num, dim, n = rng.randint(1, 12), rng.randint(1, 5), rng.randint(0, 20)
                idx = [rng.randrange(num) for _ in range(n)]
                cuts = sorted(rng.randint(0, n) for _ in range(rng.randint(0, 4)))
                offsets = [0] + cuts
                pad = rng.choice([None, None, rng.randrange(num), -1])
                cases.append(bag(dt, num, dim, idx, offsets, mode, psw=mode == 0 and rng.random() < 0.6,
                                 padding=pad, fd_ok=mode != 2))
                cases.append(bag(dt, num, dim, idx, offsets + [n], mode, last=True, padding=pad, fd_ok=mode != 2))
                # 2-D input: fixed-length bags
                cases.append(bag(dt, num, dim, [rng.randrange(num) for _ in range(6)], None, mode,
                                 psw=mode == 0, padding=pad, fd_ok=mode != 2))
            cases.append(bag(dt, 5, 3, [1, 2, 4, 1, 3], [0, 0, 2, 2, 5], mode))  # empty bags
            cases.append(bag(dt, 5, 3, [0, 0, 0], [0, 1], mode, padding=0))       # only padding rows
            cases.append(bag(dt, 5, 3, [], [0], mode))
        cases.append(bag(dt, 40, 16, [rng.randrange(40) for _ in range(300)], list(range(0, 300, 7)), 1))
    errors = [dict(indices=[1, 2], offsets=[1]), dict(indices=[1, 2], offsets=[0, 3]), dict(indices=[1, 12], offsets=[0]),
              dict(indices=[1, 12], offsets=[0], mode=2), dict(indices=[1, -1], offsets=[0]),
              dict(indices=[1, 2], offsets=[0], mode=1, psw=True), dict(indices=[1, 2], offsets=[0], mode=3),
              dict(indices=[1, 2], offsets=[0], padding=10), dict(indices=[1, 2], offsets=[0], padding=-11),
              dict(indices=[1, 2], offsets=[0], mode=2, psw=True)]
    for e in errors:
        cases.append(bag("float32", 10, 3, e["indices"], e["offsets"], e.get("mode", 1), e.get("psw", False),
                         padding=e.get("padding")))
        cases.append(bag("float64", 10, 3, e["indices"], e["offsets"], e.get("mode", 1), e.get("psw", False),
                         padding=e.get("padding")))
    return cases


def main():
    warnings.simplefilter("ignore")  # target size and kl_div 'mean' warnings
    binary = sys.argv[1]
    rng = random.Random(1013)
    torch.manual_seed(0)
    cases = (activation_cases(rng) + utils_cases(rng) + loss_cases(rng) + bilinear_cases(rng) +
             embedding_bag_cases(rng))
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
