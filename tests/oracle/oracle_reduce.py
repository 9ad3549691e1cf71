"""Reductions and softmax against live PyTorch (driver for oracle_reduce.c).

Generates seeded cases: random shapes (0-4 dims, and large ones: 1000+, 4099, 100000
elements, wide and tall matrices for the inner/outer summation paths), dims (negative
too), keepdim, dtypes, and strided inputs (permuted, sliced, expanded) that the C side
rebuilds with ct_from_blob over the same storage. Compares output dtype, shape, values,
indices, grad_fn names, gradients, and error messages. float32/float64 sum and mean must
be bit-identical to torch (PyTorch's cascade sum); other float results are compared to a
tolerance of a few ulps times sqrt(reduced elements). float64 gradients are also checked
against central finite differences computed by the C side on its own forward.
"""
import math
import sys

import numpy as np
import torch

from harness import BITS, Checker, array_of, run_c, spec, tensor_spec

torch.set_num_threads(1)
DTYPES = {"bool": torch.bool, "int32": torch.int32, "int64": torch.int64,
          "float32": torch.float32, "float64": torch.float64}
NP = {"bool": np.bool_, "int32": np.int32, "int64": np.int64, "float32": np.float32, "float64": np.float64}
NAME_OF = {v: k for k, v in DTYPES.items()}
FLOATS = ("float32", "float64")

# op -> (needs float input, supports grad)
OPS = {
    "sum": (False, True), "sum_dims": (False, True), "sum_dim": (False, True),
    "mean": (True, True), "mean_dims": (True, True), "mean_dim": (True, True),
    "std": (True, True), "var": (True, True), "std_dim": (True, True), "var_dim": (True, True),
    "std_ex": (True, True), "var_ex": (True, True),
    "prod": (False, True), "prod_dim": (False, True),
    "max": (False, True), "min": (False, True), "max_dim": (False, True), "min_dim": (False, True),
    "argmax": (False, False), "argmin": (False, False), "argmax_dim": (False, False), "argmin_dim": (False, False),
    "amax": (False, True), "amin": (False, True),
    "logsumexp": (False, True), "norm": (True, True), "norm_dims": (True, True),
    "softmax": (True, True), "log_softmax": (True, True),
}
EXACT_OPS = {"sum", "sum_dims", "sum_dim", "mean", "mean_dims", "mean_dim",
             "max", "min", "max_dim", "min_dim", "argmax", "argmin", "argmax_dim", "argmin_dim", "amax", "amin"}


def torch_op(op, x, a):
    dims, k = a.get("dims"), bool(a.get("keep", 0))
    dim, p, corr = a.get("dim", 0), a.get("p", 2.0), a.get("corr", 1)
    table = {
        "sum": lambda: x.sum(), "sum_dims": lambda: torch.sum(x, dims if dims is not None else [], keepdim=k),
        "sum_dim": lambda: x.sum(dim, keepdim=k),
        "mean": lambda: x.mean(), "mean_dims": lambda: torch.mean(x, dims if dims is not None else [], keepdim=k),
        "mean_dim": lambda: x.mean(dim, keepdim=k),
        "std": lambda: x.std(), "var": lambda: x.var(),
        "std_dim": lambda: x.std(dim, keepdim=k), "var_dim": lambda: x.var(dim, keepdim=k),
        "std_ex": lambda: torch.std(x, dim=dims, correction=corr, keepdim=k),
        "var_ex": lambda: torch.var(x, dim=dims, correction=corr, keepdim=k),
        "prod": lambda: x.prod(), "prod_dim": lambda: x.prod(dim, keepdim=k),
        "max": lambda: x.max(), "min": lambda: x.min(),
        "max_dim": lambda: tuple(torch.max(x, dim, keepdim=k)), "min_dim": lambda: tuple(torch.min(x, dim, keepdim=k)),
        "argmax": lambda: x.argmax(), "argmin": lambda: x.argmin(),
        "argmax_dim": lambda: x.argmax(dim, keepdim=k), "argmin_dim": lambda: x.argmin(dim, keepdim=k),
        "amax": lambda: torch.amax(x, dims if dims is not None else (), keepdim=k),
        "amin": lambda: torch.amin(x, dims if dims is not None else (), keepdim=k),
        "logsumexp": lambda: torch.logsumexp(x, dims if dims is not None else list(range(x.dim())), keepdim=k),
        "norm": lambda: x.norm(p), "norm_dims": lambda: torch.norm(x, p, dim=dims, keepdim=k),
        "softmax": lambda: torch.softmax(x, dim), "log_softmax": lambda: torch.log_softmax(x, dim),
    }
    return table[op]()


def args_text(a):
    parts = []
    for key, v in a.items():
        if key == "dims":
            v = "none" if v is None else ",".join(str(d) for d in v)
        parts.append(f"{key}:{v}")
    return ";".join(parts) or "none:0"


def values(rng, n, dtype, kind):
    if dtype == "bool":
        return rng.integers(0, 2, n).astype(np.bool_)
    if dtype in ("int32", "int64"):
        return rng.integers(-5, 6, n).astype(NP[dtype])
    if kind == "ties":
        v = rng.integers(-3, 4, n).astype(np.float64)
    elif kind == "pos":
        v = rng.uniform(0.5, 1.5, n)
    elif kind == "near1":
        v = rng.uniform(0.999, 1.001, n)
    elif kind == "offset":
        v = rng.standard_normal(n) * 10 + 1000
    elif kind == "spread":
        v = rng.standard_normal(n) * np.exp(rng.uniform(-8, 8, n))
    else:
        v = rng.standard_normal(n)
    if kind == "nan" and n:
        v[rng.random(n) < 0.15] = np.nan
    return v.astype(NP[dtype])


def make_input(rng, shape, dtype, kind, layout):
    """Storage (1-D array), shape, strides and offset of a view with the given layout."""
    nd = len(shape)
    numel = int(np.prod(shape)) if nd else 1
    if layout == "perm" and nd >= 2:
        q = list(rng.permutation(nd))
        base = [0] * nd
        for i in range(nd):
            base[q[i]] = shape[i]
        bs = [int(np.prod(base[i + 1:])) for i in range(nd)]
        return values(rng, numel, dtype, kind), shape, [bs[q[i]] for i in range(nd)], 0
    if layout == "slice" and nd >= 1:
        d = int(rng.integers(0, nd))
        base = list(shape)
        base[d] = 2 * shape[d] + 1
        bs = [int(np.prod(base[i + 1:])) for i in range(nd)]
        strides = list(bs)
        strides[d] = 2 * bs[d]
        return values(rng, int(np.prod(base)), dtype, kind), shape, strides, bs[d]
    if layout == "expand" and nd >= 1:
        d = int(rng.integers(0, nd))
        base = list(shape)
        base[d] = 1
        bs = [int(np.prod(base[i + 1:])) for i in range(nd)]
        strides = list(bs)
        strides[d] = 0
        return values(rng, int(np.prod(base)), dtype, kind), shape, strides, 0
    strides = [int(np.prod(shape[i + 1:])) for i in range(nd)]
    return values(rng, numel, dtype, kind), shape, strides, 0


class Case:
    def __init__(self, op, dtype, shape, layout="contig", kind="randn", a=None, grad=True, seed=0):
        self.op, self.dtype, self.layout, self.kind, self.a = op, dtype, layout, kind, dict(a or {})
        rng = np.random.default_rng(seed)
        self.storage, self.shape, self.strides, self.offset = make_input(rng, list(shape), dtype, kind, layout)
        self.grad = 1 if grad and dtype in FLOATS and OPS[op][1] else 0
        if self.grad and dtype == "float64" and np.prod(self.shape or [1]) <= 30 and kind in ("randn", "pos") \
                and layout != "expand":
            self.grad = 2
        self.rng = rng

    def describe(self):
        return f"{self.op} {self.dtype} shape={self.shape} strides={self.strides} {self.layout} {self.kind} {self.a}"

    def torch_input(self):
        base = torch.from_numpy(self.storage.copy())
        return torch.as_strided(base, self.shape, self.strides, self.offset)

    def run_torch(self):
        x = self.torch_input()
        if self.grad:
            x.requires_grad_()
        try:
            y = torch_op(self.op, x, self.a)
        except Exception as e:  # noqa: BLE001 - any torch error is an expected answer
            self.grad = 0
            return {"error": str(e).split("\n")[0]}
        res = {}
        if isinstance(y, tuple):
            y, idx = y
            res["idx"] = idx
        res["out"] = y.detach()
        res["gradfn"] = type(y.grad_fn).__name__ if y.grad_fn is not None else "None"
        if self.grad:
            g = torch.from_numpy(values(self.rng, y.numel(), self.dtype, "randn")).reshape(y.shape)
            self.gout = g
            try:
                y.backward(g)
                res["grad"] = x.grad
            except RuntimeError:  # a torch 1.13 backward bug (std/var, dim=None, N == correction)
                self.grad = 3  # C: requires grad, no backward
        return res

    def line(self):
        parts = [self.op, args_text(self.a), str(self.grad),
                 spec(self.dtype, self.shape, self.strides, self.offset, self.storage.tolist(), BITS)]
        if self.grad:
            parts.append(tensor_spec(self.gout, BITS))
        return " ".join(parts)


def parse_answer(text):
    res = {}
    for ln in text.strip("\n").split("\n"):
        tag, _, rest = ln.partition(" ")
        if tag in ("out", "idx"):
            parts = rest.split(" ")
            dtype, nd = parts[0], int(parts[1])
            shape = [int(s) for s in parts[2:2 + nd]]
            res[tag] = (dtype, shape, array_of(parts[2 + nd:], dtype).reshape(shape))
        elif tag == "grad" and rest != "none":
            res["grad"] = rest.split()  # in the input's dtype
        elif tag == "fd":
            res["fd"] = tuple(float(v) for v in rest.split(" "))
        else:
            res[tag] = rest
    return res


def tolerance(case, dtype, n):
    eps = np.finfo(NP[dtype]).eps
    return 8 * eps * max(1.0, math.sqrt(n))


def close(got, want, rtol, scale):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        return False
    nan_ok = np.array_equal(np.isnan(got), np.isnan(want))
    fin = np.isfinite(want)
    inf_ok = np.array_equal(got[~fin & ~np.isnan(want)], want[~fin & ~np.isnan(want)])
    diff = np.abs(got[fin] - want[fin]) <= rtol * (np.abs(want[fin]) + scale)
    return nan_ok and inf_ok and bool(np.all(diff))


EXACT_STATS = {}  # op -> [bit-identical float results, compared float results] (informational)


def note_exactness(op, got, want):
    st = EXACT_STATS.setdefault(op, [0, 0])
    st[0] += bool(np.array_equal(got, want, equal_nan=True))
    st[1] += 1


def compare(ck, case, want, got):
    d = case.describe()
    if "error" in want:
        ck.check(got.get("error") == want["error"], f"{d}: error {got.get('error')!r} != torch {want['error']!r}")
        return
    if "error" in got:
        ck.check(False, f"{d}: ctorch error {got['error']!r}")
        return
    y = want["out"]
    dt, shape, arr = got["out"]
    ok = ck.check(dt == NAME_OF[y.dtype] and shape == list(y.shape), f"{d}: out {dt} {shape} != {y.dtype} {list(y.shape)}")
    if not ok:
        return
    yn = y.numpy()
    reduced = max(1, case.storage.size // max(1, yn.size))
    if case.op in EXACT_OPS or dt not in FLOATS:
        same = arr.tobytes() == np.ascontiguousarray(yn).tobytes() or (
            dt in FLOATS and np.array_equal(arr, yn, equal_nan=True))
        ck.check(same, f"{d}: values differ (bit-exact expected)\n ctorch {arr.ravel()[:8]}\n torch  {yn.ravel()[:8]}")
    else:
        scale = float(np.nanmax(np.abs(yn))) if yn.size and np.isfinite(yn).any() else 1.0
        if case.op in ("softmax", "log_softmax"):
            reduced = case.shape[case.a.get("dim", 0)] if case.shape else 1
        note_exactness(case.op, arr, yn)
        ck.check(close(arr, yn, tolerance(case, dt, reduced), scale),
                 f"{d}: values differ\n ctorch {arr.ravel()[:8]}\n torch  {yn.ravel()[:8]}")
    if "idx" in want:
        ck.check("idx" in got and np.array_equal(got["idx"][2], want["idx"].numpy()), f"{d}: indices differ")
    ck.check(got.get("gradfn") == want["gradfn"], f"{d}: grad_fn {got.get('gradfn')} != {want['gradfn']}")
    if case.grad == 3:
        return
    if case.grad and want.get("grad") is None:  # torch has no gradient (norm with p = 0): zeros
        ck.check("grad" not in got or not array_of(got["grad"], case.dtype).any(), f"{d}: gradient should be zero")
    elif case.grad:
        g = want["grad"].numpy()
        if "grad" not in got:
            ck.check(False, f"{d}: no gradient ({got})")
            return
        gg = array_of(got["grad"], case.dtype).reshape(g.shape)
        note_exactness(case.op + " grad", gg, g)
        scale = float(np.nanmax(np.abs(g))) if g.size and np.isfinite(g).any() else 1.0
        ck.check(close(gg, g, tolerance(case, case.dtype, reduced), scale),
                 f"{d}: gradient differs\n ctorch {gg.ravel()[:8]}\n torch  {g.ravel()[:8]}")
        if case.grad == 2 and np.isfinite(yn).all():
            err, gmax = got.get("fd", (math.inf, 0))
            ck.check(err <= 1e-6 * (1 + gmax), f"{d}: finite differences disagree by {err} (|grad| {gmax})")


def random_shape(rng):
    nd = int(rng.integers(0, 5))
    return [int(rng.choice([0, 1, 2, 3, 4, 5, 7, 9])) if rng.random() < 0.1 else int(rng.integers(1, 9))
            for _ in range(nd)]


def random_args(rng, op, shape):
    nd = len(shape)
    a = {}
    span = max(nd, 1)
    if op.endswith("_dim") or op in ("softmax", "log_softmax"):
        a["dim"] = int(rng.integers(-span, span))
    if op in ("sum_dims", "mean_dims", "amax", "amin", "logsumexp", "std_ex", "var_ex", "norm_dims"):
        if rng.random() < 0.2 and op not in ("sum_dims", "mean_dims"):
            a["dims"] = None
        else:
            k = int(rng.integers(1, span + 1))
            picks = rng.choice(span, size=min(k, span), replace=False)
            a["dims"] = [int(d) - (span if rng.random() < 0.4 else 0) for d in picks]
    if op.endswith("_dim") or "dims" in a or op in ("amax", "amin", "logsumexp", "std_ex", "var_ex", "norm_dims"):
        a["keep"] = int(rng.integers(0, 2))
    if op in ("std_ex", "var_ex"):
        a["corr"] = int(rng.choice([0, 1, 2]))
    if op in ("norm", "norm_dims"):
        a["p"] = float(rng.choice([2.0, 1.0, 3.0, 0.5, 1.5, math.inf, -math.inf, 0.0]))
    return a


def generated_cases():
    rng = np.random.default_rng(1234)
    cases = []
    ops = list(OPS)
    for i in range(700):
        op = ops[i % len(ops)]
        shape = random_shape(rng)
        dtype = "float32" if rng.random() < 0.55 else str(rng.choice(["float64", "int64", "int32", "bool"]))
        if OPS[op][0] and rng.random() < 0.9:
            dtype = str(rng.choice(FLOATS))
        layout = str(rng.choice(["contig", "contig", "perm", "slice", "expand"]))
        kind = str(rng.choice(["randn", "randn", "ties", "nan", "pos", "spread"]))
        if op in ("prod", "prod_dim") and kind != "ties":
            kind = "pos"
        if op in ("std", "var", "std_ex", "var_ex", "logsumexp", "norm", "norm_dims") and kind == "ties":
            kind = "randn"
        cases.append(Case(op, dtype, shape, layout, kind, random_args(rng, op, shape), seed=i))
    return cases


def large_cases():
    """Sizes that exercise the cascade's levels and the vectorised paths."""
    cases = []
    seed = 10000
    # (600001 and more: the threaded cascade, which must give the serial bits)
    for n in (1, 7, 8, 9, 31, 32, 33, 63, 64, 65, 127, 199, 1000, 4099, 32768, 32769, 100000, 300001, 600001,
              2097152 + 77):
        for op in ("sum", "mean"):
            for dtype in FLOATS:
                cases.append(Case(op, dtype, [n], kind="offset" if n % 2 else "randn", grad=n < 5000, seed=seed))
                seed += 1
    # full sums of multi-dim contiguous, permuted and sliced tensors
    for shape in ([64, 65], [3, 1000], [1000, 3], [7, 9, 11], [2, 3, 4, 5], [100, 1000]):
        for layout in ("contig", "perm", "slice"):
            for op in ("sum", "mean"):
                cases.append(Case(op, "float32", shape, layout, grad=False, seed=seed))
                seed += 1
    # dim reductions: inner (contiguous run), outer (contiguous outputs, 32-lane blocks),
    # scalar paths, several non-mergeable reduced dims
    shapes = ([300, 70], [70, 300], [5, 3], [3, 5], [1000, 33], [33, 1000], [9, 100], [100, 9], [4, 4099],
              [4099, 4], [16, 8, 40], [40, 8, 16], [6, 7, 8, 9], [2, 50000], [50000, 2])
    for shape in shapes:
        nd = len(shape)
        for dims in [[d] for d in range(nd)] + ([[0, nd - 1], [-1, 0]] if nd > 2 else []) + \
                ([[0, 2], [1, 3], [0, 1, 3]] if nd == 4 else []):
            for dtype in FLOATS:
                for layout in ("contig", "perm"):
                    keep = seed % 2
                    cases.append(Case("sum_dims", dtype, shape, layout, a={"dims": dims, "keep": keep},
                                      grad=np.prod(shape) < 20000, seed=seed))
                    cases.append(Case("mean_dims", dtype, shape, layout, a={"dims": dims, "keep": keep},
                                      grad=False, seed=seed + 1))
                    seed += 2
    for shape in ([300, 70], [4, 4099], [100000], [33, 1000]):
        for op, a in (("std", {}), ("var_dim", {"dim": -1}), ("std_ex", {"dims": [0], "corr": 0}),
                      ("logsumexp", {"dims": [-1]}), ("norm", {"p": 2.0}), ("norm_dims", {"dims": [-1], "p": 2.0}),
                      ("norm_dims", {"dims": [0], "p": 3.0}), ("softmax", {"dim": -1}), ("log_softmax", {"dim": 0}),
                      ("amax", {"dims": [0]}), ("argmax", {}), ("max_dim", {"dim": -1}), ("prod_dim", {"dim": 0})):
            kind = "near1" if op.startswith("prod") else "randn"
            cases.append(Case(op, "float32", shape, "contig", kind, a, grad=np.prod(shape) < 50000, seed=seed))
            seed += 1
    return cases


def special_cases():
    """Semantics called out by PyTorch's docs and the parity sheet."""
    c = []
    s = 20000
    for op in ("max", "min", "amax", "argmax", "argmin", "max_dim", "min_dim", "amin", "argmax_dim"):
        c.append(Case(op, "float32", [3, 5], kind="nan", a={"dim": 1, "dims": [1]}, seed=s)); s += 1
        c.append(Case(op, "float32", [4, 6], kind="ties", a={"dim": 0, "dims": [0], "keep": 1}, seed=s)); s += 1
    for op in ("std", "var", "std_dim", "var_dim"):
        c.append(Case(op, "float32", [1], a={"dim": 0}, seed=s)); s += 1
        c.append(Case(op, "float32", [], a={"dim": 0}, seed=s)); s += 1
        c.append(Case(op, "float32", [0, 3], a={"dim": 0}, seed=s)); s += 1
        c.append(Case(op, "float32", [1, 4], a={"dim": 0}, seed=s)); s += 1
    for corr in (0, 1, 2, 3, 5, -1):
        c.append(Case("std_ex", "float64", [2, 3], a={"dims": None, "corr": corr}, seed=s)); s += 1
        c.append(Case("var_ex", "float64", [2, 3], a={"dims": [1], "corr": corr}, seed=s)); s += 1
    for op in ("sum", "prod", "sum_dim", "prod_dim"):
        for dtype in ("bool", "int32", "int64"):
            c.append(Case(op, dtype, [3, 4], a={"dim": 1}, seed=s)); s += 1
    for p in (0.0, 1.0, 2.0, 3.0, 0.5, math.inf, -math.inf):
        c.append(Case("norm", "float64", [2, 3], kind="ties", a={"p": p}, seed=s)); s += 1
        c.append(Case("norm_dims", "float32", [3, 4], a={"p": p, "dims": [1], "keep": 1}, seed=s)); s += 1
    c.append(Case("prod_dim", "float64", [3, 4], kind="ties", a={"dim": 1}, seed=s)); s += 1
    c.append(Case("prod", "float32", [5], kind="ties", seed=s)); s += 1
    big = Case("logsumexp", "float32", [2, 3], a={"dims": [1]}, seed=s); s += 1
    big.storage[:3] = [np.inf, 1, 2]
    big.storage[3:] = [-np.inf, -np.inf, -np.inf]
    c.append(big)
    for op in ("softmax", "log_softmax"):
        for shape, dim in (([2, 3], 1), ([4, 5, 6], 1), ([3, 70], 0), ([5], 0), ([], 0), ([2, 0], 1), ([7, 129], -1)):
            c.append(Case(op, "float32", shape, a={"dim": dim}, seed=s)); s += 1
        c.append(Case(op, "float32", [3, 4], kind="nan", a={"dim": 1}, seed=s)); s += 1
        c.append(Case(op, "float64", [3, 4], a={"dim": 0}, seed=s)); s += 1
    # errors: torch's messages
    for op, dtype, shape, a in (
            ("mean", "int64", [3], {}), ("mean_dim", "int32", [3], {"dim": 0}), ("mean", "bool", [3], {}),
            ("std", "int64", [3], {}), ("var_dim", "bool", [3], {"dim": 0}),
            ("sum_dim", "float32", [3, 4], {"dim": 2}), ("sum_dims", "float32", [3, 4], {"dims": [0, 0]}),
            ("sum_dims", "float32", [3, 4], {"dims": [1, -1]}), ("sum_dim", "float32", [], {"dim": 1}),
            ("max", "float32", [0, 3], {}), ("min", "float32", [0], {}), ("max_dim", "float32", [0, 3], {"dim": -2}),
            ("max_dim", "float32", [0, 3], {"dim": 1}), ("argmax", "float32", [0], {}),
            ("argmin_dim", "float32", [2, 0], {"dim": 1}), ("amax", "float32", [0, 3], {"dims": [-2]}),
            ("amin", "float32", [0, 3], {"dims": None}), ("argmax", "bool", [3], {}),
            ("softmax", "int64", [3, 4], {"dim": 0}), ("softmax", "int64", [3, 4], {"dim": 1}),
            ("log_softmax", "int32", [3, 4], {"dim": -1}), ("log_softmax", "bool", [3, 4], {"dim": 0}),
            ("softmax", "float32", [3, 4], {"dim": 2}), ("norm", "int64", [3], {"p": 2.0}),
            ("std_dim", "float32", [3, 4], {"dim": -3}), ("prod_dim", "float32", [3], {"dim": 1}),
            ("logsumexp", "int64", [2, 3], {"dims": [1]}), ("logsumexp", "bool", [2, 3], {"dims": [0]}),
            ("max_dim", "int64", [2, 3], {"dim": 1}), ("max", "bool", [2, 3], {}), ("amax", "bool", [2, 3], {"dims": [0]}),
            ("max_dim", "float32", [], {"dim": 0}), ("argmax_dim", "float32", [], {"dim": -1}),
            ("sum_dims", "float32", [], {"dims": [0], "keep": 1}), ("mean_dims", "float32", [3, 4], {"dims": None}),
            ("std_ex", "float32", [0, 3], {"dims": [0], "corr": 1})):
        c.append(Case(op, dtype, shape, a=a, seed=s)); s += 1
    # softmax rows of 8 to 63 floats take their max by lanes: values, ties, nans, signed
    # zeros and -inf in such rows
    for n in (8, 16, 17, 40, 63):
        for kind in ("randn", "ties", "nan", "spread"):
            c.append(Case("softmax", "float32", [6, n], kind=kind, a={"dim": -1}, seed=s)); s += 1
    edges = Case("softmax", "float32", [4, 16], a={"dim": 1}, seed=s); s += 1
    edges.storage[:16] = [0.0, -0.0] * 8
    edges.storage[16:32] = [-np.inf] * 16
    edges.storage[32:48] = [-np.inf] * 15 + [-0.0]
    edges.storage[48:64] = [np.inf] + [1.0] * 15
    c.append(edges)
    return c


def main():
    binary = sys.argv[1]
    cases = generated_cases() + large_cases() + special_cases()
    wants = [c.run_torch() for c in cases]
    answers = run_c(binary, [c.line() for c in cases])
    ck = Checker("reduce", show=int(__import__("os").environ.get("SHOW", "10")))
    for case, want, text in zip(cases, wants, answers):
        compare(ck, case, want, parse_answer(text))
    print("bit-identical to torch (not required):",
          ", ".join(f"{op} {a}/{b}" for op, (a, b) in sorted(EXACT_STATS.items())))
    ck.finish()


if __name__ == "__main__":
    main()
