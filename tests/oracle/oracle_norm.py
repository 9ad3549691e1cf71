"""Normalisation, channel dropout, padding and module buffers against live PyTorch
(C side: oracle_norm.c).

Functional cases (float32 and float64, random shapes, contiguous and strided inputs):
  * batch_norm in training and eval mode, with and without running statistics, weight
    and bias, several momenta and eps: output, running statistics afterwards, grad_fn
    and its edges, gradients of input, weight and bias;
  * layer_norm over 1 to 3 trailing dims, group_norm over (N, C, ...) inputs;
  * pad in constant mode with positive and negative amounts on any number of dims, any
    dtype and value;
  * dropout2d after the same manual_seed: outputs (so the channel masks and scaling) and
    gradients bit for bit; p = 0 and 1, eval mode, 2-D to 5-D inputs;
  * PyTorch 1.13's error texts for bad shapes, dtypes, num_groups, pads, batch sizes.
Float64 gradients are also checked against ctorch's own central differences.
Module scripts: BatchNorm1d/2d (momentum or cumulative average, affine or not, tracking
or not) trained for several steps then evaluated, LayerNorm, GroupNorm, Dropout2d:
outputs, state_dict keys, dtypes, shapes and values (running statistics,
num_batches_tracked), named_parameters / named_buffers, reprs (also inside a
Sequential), state dicts saved by ctorch and read by torch.load_state_dict (np.load), and
state dicts written by torch (np.save) loaded by ctorch, with PyTorch's load errors.

Exactness (tolerance()): pad, dropout2d, layer_norm, group_norm's forward, float32
batch_norm on contiguous input (output, running statistics, gradients) and the module
scripts match bit for bit. The rest follows PyTorch's kernels but may round differently:
group_norm's gradients, float64 batch_norm (a few of PyTorch's double sums round
otherwise), and batch_norm of a strided input, which PyTorch normalises on another path
(ctorch normalises the contiguous copy): |a - b| <= rtol * (|b| + s), rtol 1e-5
(float32) / 1e-12 (float64), s the largest |b| of the line or, for gradients that are
sums of larger terms, the size of those terms (term_scale). The counts of bit-exact and
tolerated lines are printed (ORACLE_NORM_DETAIL=1: by op and line).
"""
import copy
import math
import os
import random
import shutil
import sys
import tempfile
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from harness import (BITS, NAME, Checker, Strided, close, first_difference, from_bits, graph, run_c,  # noqa: E402
                     strides_for, storage_size, values)

warnings.simplefilter("ignore")
torch.set_num_threads(1)  # ctorch's kernels follow PyTorch's one-thread reduction order
rng = random.Random(20240611)
torch.manual_seed(1234)
F32, F64 = torch.float32, torch.float64
RTOL = {F32: 1e-5, F64: 1e-12}


# ---- inputs ----

def strided(t, layout="contiguous"):
    """t's values as a Strided spec: row-major, a permuted layout or every other element."""
    shape = list(t.shape)
    name = NAME[t.dtype]
    if layout == "contiguous" or len(shape) < 2:
        order, steps = None, None
    elif layout == "permuted":
        order = list(range(len(shape)))
        rng.shuffle(order)
        steps = None
    else:
        order, steps = None, [1] * (len(shape) - 1) + [2]
    st = strides_for(shape, order, steps)
    size = storage_size(shape, st, 0)
    buf = [0.0] * size if name in ("float32", "float64") else [0] * size
    flat = t.reshape(-1).tolist()
    for k, idx in enumerate(np.ndindex(*shape) if shape else [()]):
        buf[sum(i * s for i, s in zip(idx, st))] = flat[k]
    return Strided(name, shape, st, 0, buf)


def encode(t, layout="contiguous"):
    return strided(t, layout).encode()


def hexf(v):
    return float(v).hex()


# ---- functional cases: the torch side ----

def torch_functional(case):
    x = case["x"].clone()
    w = case["w"].clone() if case.get("w") is not None else None
    b = case["b"].clone() if case.get("b") is not None else None
    rm = case["rm"].clone() if case.get("rm") is not None else None
    rv = case["rv"].clone() if case.get("rv") is not None else None
    for flag, t in (("gx", x), ("gw", w), ("gb", b)):
        if case.get(flag):
            t.requires_grad_(True)
    xv = torch.as_strided(x, case["x_view"].shape, case["x_view"].stride()) if case.get("x_view") is not None else x
    op = case["op"]
    lines = []
    try:
        if op == "bn":
            out = F.batch_norm(xv, rm, rv, w, b, case["train"], case["mom"], case["eps"])
        elif op == "ln":
            out = F.layer_norm(xv, case["shape"], w, b, case["eps"])
        elif op == "gn":
            out = F.group_norm(xv, case["groups"], w, b, case["eps"])
        elif op == "pad":
            out = F.pad(xv, case["pads"], value=case["value"])
        else:
            torch.manual_seed(case["seed"])
            out = F.dropout2d(xv, case["p"], case["train"])
        lines.append(f"name {graph(out.grad_fn, 1)}")
        lines.append(f"out {NAME[out.dtype]} {out.shape}{values(out, BITS)}")
        if rm is not None:
            lines.append("rm" + values(rm, BITS))
        if rv is not None:
            lines.append("rv" + values(rv, BITS))
        if any(case.get(f) for f in ("gx", "gw", "gb")):
            out.backward(case["go"])
            for flag, t in (("gx", x), ("gw", w), ("gb", b)):
                if case.get(flag):
                    lines.append(flag + (values(t.grad, BITS) if t.grad is not None else " None"))
    except (RuntimeError, ValueError, IndexError, ZeroDivisionError) as e:
        lines.append(f"ERR {e}")
    return lines


def c_line(case):
    parts = [case["op"]]
    xs = case.get("x_spec") or encode(case["x"])
    parts.append(f"x {xs}")
    for key in ("rm", "rv", "w", "b", "go"):
        if case.get(key) is not None:
            parts.append(f"{key} {encode(case[key])}")
    if "train" in case:
        parts.append(f"train {int(case['train'])}")
    for key in ("mom", "eps", "p", "value"):
        if key in case:
            parts.append(f"{key} {hexf(case[key])}")
    for key in ("groups", "seed"):
        if key in case:
            parts.append(f"{key} {case[key]}")
    if "shape" in case:
        parts.append("shape " + (",".join(str(s) for s in case["shape"]) or "-"))
    if "pads" in case:
        parts.append("pads " + (",".join(str(s) for s in case["pads"]) or "-"))
    parts += [f for f in ("gx", "gw", "gb", "fd") if case.get(f)]
    return " ".join(parts)


# ---- functional cases: generation ----

def rand_t(shape, dtype, scale=1.0, shift=0.0):
    return torch.randn(shape, dtype=dtype) * scale + shift


def with_layout(case, layout):
    """Feeds x to ctorch laid out as `layout`; torch gets the same strided view."""
    if layout != "contiguous" and case["x"].dim() >= 2:
        s = strided(case["x"], layout)
        case["x_spec"] = s.encode()
        base = torch.tensor(s.buf, dtype=case["x"].dtype)
        case["x_view"] = torch.as_strided(base, s.shape, s.strides, 0)
        case["x"] = base  # torch views the buffer as ctorch does (gradients go to the buffer)
        case["gx"] = False  # a gradient of the buffer is not comparable line for line
        case["fd"] = False
    return case


def grads(case, dtype, n_elems):
    case["gx"] = rng.random() < 0.8
    case["gw"] = case.get("w") is not None and rng.random() < 0.7
    case["gb"] = case.get("b") is not None and rng.random() < 0.7
    case["fd"] = dtype == F64 and n_elems <= 120


def bn_cases():
    cases = []
    for _ in range(300):
        dt = F32 if rng.random() < 0.65 else F64
        nd = rng.choice([2, 2, 3, 4, 4, 5])
        c = rng.choice([1, 2, 3, 5, 8])
        shape = [rng.choice([1, 2, 3, 4, 7, 16]), c] + [rng.choice([1, 2, 3, 5, 9, 17]) for _ in range(nd - 2)]
        if math.prod(shape) // c == 1:
            shape[0] = 2
        if math.prod(shape) > 4000:
            continue
        train = rng.random() < 0.7
        layout = rng.choice(["contiguous"] * 6 + ["permuted", "strided"])
        # Strided input: ctorch normalises its contiguous copy, PyTorch takes another path
        # (the mean from its float32 cascade sum), which rounds differently: inputs whose
        # variance does not cancel (scale 1, no shift) keep that within float rounding.
        scale, shift = (rng.choice([1.0, 3.0, 0.01]), rng.choice([0.0, 2.0, -5.0])) if layout == "contiguous" else (1.0, 0.0)
        case = {"op": "bn", "x": rand_t(shape, dt, scale, shift),
                "train": train, "mom": rng.choice([0.1, 0.3, 0.01, 1.0, 0.0, 0.77]),
                "eps": rng.choice([1e-5, 1e-3, 0.1, 0.0])}
        if not train or rng.random() < 0.8:
            case["rm"] = rand_t([c], dt)
            case["rv"] = torch.rand(c, dtype=dt) + 0.5
        if rng.random() < 0.75:
            case["w"] = rand_t([c], dt)
        if rng.random() < 0.75:
            case["b"] = rand_t([c], dt)
        grads(case, dt, math.prod(shape))
        # central differences step by ~1e-6 |x|: too coarse for values whose spread is 1e-2
        case["fd"] &= scale >= 1.0
        if case["fd"] and case["train"]:
            case.pop("rm", None)  # central differences would move the running statistics
            case.pop("rv", None)
        case["go"] = rand_t(shape, dt)
        if layout == "permuted":
            # PyTorch 1.13's backward for a channels-last input with a contiguous gradient
            # sums the wrong elements into weight and bias gradients (gb != go.sum()).
            case["gw"] = case["gb"] = False
        cases.append(with_layout(case, layout))
    return cases


def ln_cases():
    cases = []
    for _ in range(150):
        dt = F32 if rng.random() < 0.65 else F64
        nd = rng.randint(1, 4)
        shape = [rng.choice([1, 2, 3, 5, 8, 13, 33, 70, 300]) for _ in range(nd)]
        k = rng.randint(1, nd)
        norm_shape = shape[nd - k:]
        if math.prod(shape) > 4000:
            continue
        case = {"op": "ln", "x": rand_t(shape, dt, rng.choice([1.0, 10.0]), rng.choice([0.0, 3.0])),
                "shape": norm_shape, "eps": rng.choice([1e-5, 1e-3, 0.0])}
        if rng.random() < 0.7:
            case["w"] = rand_t(norm_shape, dt)
        if rng.random() < 0.7:
            case["b"] = rand_t(norm_shape, dt)
        grads(case, dt, math.prod(shape))
        case["go"] = rand_t(shape, dt)
        cases.append(with_layout(case, rng.choice(["contiguous"] * 5 + ["permuted"])))
    return cases


def gn_cases():
    cases = []
    for _ in range(150):
        dt = F32 if rng.random() < 0.65 else F64
        groups = rng.choice([1, 2, 3, 4])
        c = groups * rng.choice([1, 2, 3, 5])
        nd = rng.choice([2, 3, 4, 4, 5])
        shape = [rng.choice([1, 2, 3, 4]), c] + [rng.choice([1, 2, 3, 5, 9, 17]) for _ in range(nd - 2)]
        if math.prod(shape) > 4000:
            continue
        if math.prod(shape[2:]) * c // groups == 1:
            shape[-1] = 2 if nd > 2 else shape[-1]
            if nd == 2:
                continue
        case = {"op": "gn", "x": rand_t(shape, dt, rng.choice([1.0, 5.0]), rng.choice([0.0, -2.0])),
                "groups": groups, "eps": rng.choice([1e-5, 1e-2, 0.0])}
        if rng.random() < 0.7:
            case["w"] = rand_t([c], dt)
        if rng.random() < 0.7:
            case["b"] = rand_t([c], dt)
        grads(case, dt, math.prod(shape))
        if case.get("b") is not None and case.get("w") is None:
            # PyTorch 1.13's backward of a group_norm with a bias and no weight fails ("tensor
            # does not have a device"): forward only
            case["gx"] = case["gb"] = case["fd"] = False
        case["go"] = rand_t(shape, dt)
        # (PyTorch 1.13's channels-last backward fails on permuted input: "tensor does not
        # have a device")
        cases.append(with_layout(case, rng.choice(["contiguous"] * 5 + ["strided"])))
    return cases


def pad_cases():
    cases = []
    for _ in range(150):
        dt = rng.choice([F32, F32, F64, torch.int64, torch.bool])
        nd = rng.randint(1, 5)
        shape = [rng.choice([0, 1, 2, 3, 5]) if rng.random() < 0.1 else rng.choice([1, 2, 3, 5]) for _ in range(nd)]
        k = rng.randint(0, nd)
        pads = []
        for d in range(k):
            size = shape[nd - 1 - d]
            pads += [rng.randint(-size, 3), rng.randint(-size, 3)]
        x = (torch.randn(shape) * 5).to(dt)
        case = {"op": "pad", "x": x, "pads": pads,
                "value": rng.choice([0.0, 1.5, -2.0, 7.0, 2.7]) if dt != torch.bool else rng.choice([0.0, 1.0])}
        if dt.is_floating_point:
            out_shape = list(shape)
            case["gx"] = True
            for d in range(k):
                out_shape[nd - 1 - d] += pads[2 * d] + pads[2 * d + 1]
            if min(out_shape, default=1) < 0:
                case["gx"] = False
            else:
                case["go"] = rand_t(out_shape, dt)
            case["fd"] = dt == F64 and math.prod(shape) <= 60 and case["gx"]
        cases.append(with_layout(case, rng.choice(["contiguous"] * 4 + ["permuted"])))
    return cases


def do2d_cases():
    cases = []
    for i in range(80):
        dt = F32 if rng.random() < 0.7 else F64
        nd = rng.choice([2, 3, 4, 4, 5])
        shape = [rng.choice([1, 2, 3, 8]), rng.choice([1, 3, 4, 16])] + [rng.choice([1, 2, 5]) for _ in range(nd - 2)]
        case = {"op": "do2d", "x": rand_t(shape, dt), "seed": rng.randint(0, 10 ** 6),
                "p": rng.choice([0.5, 0.2, 0.9, 0.0, 1.0, 0.33]), "train": rng.random() < 0.85, "gx": True}
        case["go"] = rand_t(shape, dt)
        cases.append(case)
    return cases


def error_cases():
    r = torch.randn
    cases = [
        {"op": "bn", "x": r(1, 3), "train": True, "mom": 0.1, "eps": 1e-5},
        {"op": "bn", "x": r(1, 3, 1), "train": True, "mom": 0.1, "eps": 1e-5, "rm": torch.zeros(3),
         "rv": torch.ones(3)},
        {"op": "bn", "x": r(2, 4), "train": False, "mom": 0.1, "eps": 1e-5, "rm": torch.zeros(3), "rv": torch.ones(3)},
        {"op": "bn", "x": r(2, 3), "train": False, "mom": 0.1, "eps": 1e-5},
        {"op": "bn", "x": r(2, 3), "train": False, "mom": 0.1, "eps": 1e-5, "rm": torch.zeros(3)},
        {"op": "bn", "x": r(2, 3), "train": True, "mom": 0.1, "eps": 1e-5, "w": torch.ones(2)},
        {"op": "bn", "x": r(2, 3), "train": True, "mom": 0.1, "eps": 1e-5, "b": torch.ones(4)},
        {"op": "bn", "x": r(2, 3), "train": True, "mom": 0.1, "eps": 1e-5, "rm": torch.zeros(2), "rv": torch.ones(3)},
        {"op": "bn", "x": r(2, 3), "train": True, "mom": 0.1, "eps": 1e-5, "rm": torch.zeros(3),
         "rv": torch.ones(3, dtype=F64)},
        {"op": "bn", "x": r(2, 3), "train": True, "mom": 0.1, "eps": 1e-5, "w": torch.ones(3, dtype=F64)},
        {"op": "bn", "x": r(2, 3, dtype=F64), "train": True, "mom": 0.1, "eps": 1e-5, "w": torch.ones(3)},
        {"op": "bn", "x": r(2, 3, dtype=F64), "train": True, "mom": 0.1, "eps": 1e-5, "w": torch.ones(3),
         "b": torch.ones(3, dtype=F64)},
        {"op": "bn", "x": r(2, 3), "train": True, "mom": 0.1, "eps": 1e-5, "w": torch.ones(3),
         "b": torch.ones(3, dtype=F64)},
        {"op": "bn", "x": r(2, 3).long(), "train": True, "mom": 0.1, "eps": 1e-5},
        {"op": "bn", "x": r(2, 3), "train": True, "mom": 0.1, "eps": 1e-5, "rm": torch.zeros(3, 1),
         "rv": torch.ones(3)},
        {"op": "bn", "x": r(3), "train": True, "mom": 0.1, "eps": 1e-5},
        {"op": "bn", "x": torch.tensor(2.0), "train": True, "mom": 0.1, "eps": 1e-5},
        {"op": "bn", "x": r(3), "train": False, "mom": 0.1, "eps": 1e-5, "rm": torch.zeros(3), "rv": torch.ones(3)},
        {"op": "bn", "x": r(0, 3), "train": True, "mom": 0.1, "eps": 1e-5, "rm": torch.zeros(2), "rv": torch.ones(3),
         "w": r(3), "b": r(3), "gx": True, "gw": True, "gb": True, "go": r(0, 3)},
        {"op": "bn", "x": r(2, 0), "train": True, "mom": 0.1, "eps": 1e-5, "w": torch.ones(0)},
        {"op": "bn", "x": r(0, 3).long(), "train": True, "mom": 0.1, "eps": 1e-5, "w": torch.ones(3)},
        {"op": "ln", "x": r(2, 3), "shape": [4], "eps": 1e-5},
        {"op": "ln", "x": r(2, 3), "shape": [2, 4], "eps": 1e-5},
        {"op": "ln", "x": r(2, 3), "shape": [2, 3, 3], "eps": 1e-5},
        {"op": "ln", "x": r(2, 3), "shape": [], "eps": 1e-5},
        {"op": "ln", "x": r(2, 3), "shape": [3], "eps": 1e-5, "w": torch.ones(4)},
        {"op": "ln", "x": r(2, 3), "shape": [3], "eps": 1e-5, "b": torch.ones(1, 3)},
        {"op": "ln", "x": r(2, 3), "shape": [3], "eps": 1e-5, "w": torch.ones(3, dtype=F64)},
        {"op": "ln", "x": r(2, 3).long(), "shape": [3], "eps": 1e-5},
        {"op": "ln", "x": torch.tensor(1.0), "shape": [1], "eps": 1e-5},
        {"op": "ln", "x": r(0, 3), "shape": [3], "eps": 1e-5, "w": r(3), "gx": True, "gw": True, "go": r(0, 3)},
        {"op": "ln", "x": r(2, 0), "shape": [0], "eps": 1e-5, "gx": True, "go": r(2, 0)},
        {"op": "gn", "x": r(2, 4, 3), "groups": 3, "eps": 1e-5},
        {"op": "gn", "x": r(2, 4, 3), "groups": 0, "eps": 1e-5},
        {"op": "gn", "x": r(2, 4, 3), "groups": -2, "eps": 1e-5},
        {"op": "gn", "x": r(2, 4, 3), "groups": 2, "eps": 1e-5, "w": torch.ones(3)},
        {"op": "gn", "x": r(2, 4, 3), "groups": 2, "eps": 1e-5, "b": torch.ones(4, 1)},
        {"op": "gn", "x": r(2, 4, 3), "groups": 2, "eps": 1e-5, "w": torch.ones(4, dtype=F64)},
        {"op": "gn", "x": r(2, 4, 3).long(), "groups": 2, "eps": 1e-5},
        {"op": "gn", "x": r(4), "groups": 2, "eps": 1e-5},
        {"op": "gn", "x": torch.tensor(1.0), "groups": 1, "eps": 1e-5},
        {"op": "gn", "x": r(1, 2), "groups": 2, "eps": 1e-5},
        {"op": "gn", "x": r(1, 3, 1), "groups": 2, "eps": 1e-5},
        {"op": "gn", "x": r(0, 4, 2), "groups": 2, "eps": 1e-5, "w": r(4), "gx": True, "gw": True, "go": r(0, 4, 2)},
        {"op": "gn", "x": r(2, 4, 0), "groups": 2, "eps": 1e-5, "w": r(4), "b": r(4), "gx": True, "gw": True,
         "gb": True, "go": r(2, 4, 0)},
        {"op": "pad", "x": r(2, 3), "pads": [1, 2, 3], "value": 0.0},
        {"op": "pad", "x": r(2, 3), "pads": [1, 2, 3, 4, 5, 6], "value": 0.0},
        {"op": "pad", "x": r(2, 3), "pads": [-2, -2], "value": 0.0},
        {"op": "pad", "x": r(2, 3), "pads": [-4, 1], "value": 0.0},
        {"op": "pad", "x": r(2, 3), "pads": [-2, -1, 1, 1], "value": 0.0},
        {"op": "pad", "x": r(2, 3), "pads": [-3, -1, 1, 1], "value": 0.0},
        {"op": "pad", "x": torch.tensor(1.0), "pads": [1, 1], "value": 0.0},
        {"op": "pad", "x": torch.tensor(1.0, requires_grad=False), "pads": [], "value": 0.0, "gx": True,
         "go": torch.tensor(2.0)},
        {"op": "pad", "x": r(2, 3), "pads": [0, 0], "value": 0.0, "gx": True, "go": r(2, 3)},
        {"op": "do2d", "x": r(3), "p": 0.5, "train": True, "seed": 1},
        {"op": "do2d", "x": r(3), "p": 0.5, "train": False, "seed": 1},
        {"op": "do2d", "x": r(3, 4), "p": 1.5, "train": True, "seed": 1},
        {"op": "do2d", "x": r(3, 4), "p": float("nan"), "train": True, "seed": 1},
        {"op": "do2d", "x": r(3, 4).long(), "p": 0.5, "train": True, "seed": 1},
        {"op": "do2d", "x": r(3, 4).long(), "p": 1.0, "train": True, "seed": 1},
        {"op": "do2d", "x": r(0, 4, 2), "p": 0.5, "train": True, "seed": 1},
    ]
    return cases


# ---- module scripts ----

class TorchScript:
    """Runs a module script (see oracle_norm.c) on torch modules; returns answer lines."""

    def __init__(self, tmp):
        self.m, self.lines, self.tmp = None, [], tmp

    def new(self, args):
        kind = args[0]
        if kind in ("bn1d", "bn2d"):
            cls = nn.BatchNorm1d if kind == "bn1d" else nn.BatchNorm2d
            mom = None if args[3] == "none" else float.fromhex(args[3])
            return cls(int(args[1]), eps=float.fromhex(args[2]), momentum=mom, affine=args[4] == "1",
                       track_running_stats=args[5] == "1")
        if kind == "ln":
            shape = [] if args[3] == "-" else [int(v) for v in args[3].split(",")]
            return nn.LayerNorm(shape, eps=float.fromhex(args[1]), elementwise_affine=args[2] == "1")
        if kind == "gn":
            return nn.GroupNorm(int(args[1]), int(args[2]), eps=float.fromhex(args[3]), affine=args[4] == "1")
        return nn.Dropout2d(float.fromhex(args[1]))

    def run(self, commands):
        for cmd, args, tensor in commands:
            try:
                self.step(cmd, args, tensor)
            except (RuntimeError, ValueError, IndexError, ZeroDivisionError, KeyError) as e:
                self.lines.append(f"ERR {e}")
                if cmd == "new":
                    break
        return "\n".join(self.lines).split("\n") if self.lines else []

    def step(self, cmd, args, tensor):
        if cmd == "new":
            self.m = self.new(args)
        elif cmd == "seq":
            torch.manual_seed(0)
            self.m = nn.Sequential(nn.Linear(2, 2), self.m)
        elif cmd == "train":
            self.m.train()
        elif cmd == "eval":
            self.m.eval()
        elif cmd == "seed":
            torch.manual_seed(int(args[0]))
        elif cmd == "fwd":
            out = self.m(tensor)
            self.lines.append(f"out {NAME[out.dtype]} {out.shape}{values(out, BITS)}")
        elif cmd == "state":
            for k, v in self.m.state_dict().items():
                self.lines.append(f"key {k} {NAME[v.dtype]} {v.shape}{values(v, BITS)}")
        elif cmd == "names":
            self.lines.append("params" + "".join(" " + k for k, _ in self.m.named_parameters()))
            self.lines.append("buffers" + "".join(" " + k for k, _ in self.m.named_buffers()))
        elif cmd == "repr":
            self.lines.append("repr")
            self.lines += repr(self.m).split("\n")
        elif cmd == "save":
            self.lines.append("ok")  # the files are checked against the state dict afterwards
        elif cmd == "load":
            d = args[0]
            state = {f[:-4]: torch.from_numpy(np.load(os.path.join(d, f))) for f in sorted(os.listdir(d))
                     if f.endswith(".npy")}
            before = copy.deepcopy(self.m.state_dict())
            try:
                self.m.load_state_dict(state)
            except RuntimeError:
                # ctorch checks everything before copying anything (nn.h): a failed load
                # leaves the module as it was, where PyTorch has copied the matching entries
                self.m.load_state_dict(before)
                raise
            self.lines.append("ok")


def script_line(commands):
    parts = []
    for cmd, args, tensor in commands:
        text = " ".join([cmd] + list(args))
        if tensor is not None:
            text += " " + encode(tensor)
        parts.append(text)
    return "mod " + "; ".join(parts)


def bn_script(kind, c, mom, affine, track, steps, dt_scale=1.0):
    spatial = [] if kind == "bn1d" else [rng.randint(1, 4), rng.randint(1, 4)]
    if kind == "bn1d" and rng.random() < 0.5:
        spatial = [rng.randint(1, 5)]
    eps = rng.choice([1e-5, 1e-3])
    cmds = [("new", (kind, str(c), hexf(eps), "none" if mom is None else hexf(mom), str(int(affine)),
                     str(int(track))), None)]
    for s in range(steps):
        n = rng.randint(2, 6)
        cmds.append(("fwd", (), torch.randn([n, c] + spatial) * dt_scale + rng.choice([0.0, 1.0])))
    cmds.append(("state", (), None))
    cmds.append(("eval", (), None))
    cmds.append(("fwd", (), torch.randn([rng.randint(1, 3), c] + spatial)))
    cmds += [("names", (), None), ("repr", (), None)]
    return cmds


def module_scripts(tmp):
    scripts, saved, loaded = [], [], []
    for i in range(40):
        kind = rng.choice(["bn1d", "bn2d"])
        scripts.append(bn_script(kind, rng.choice([1, 3, 4]), rng.choice([0.1, 0.5, None, 0.01]), rng.random() < 0.7,
                                 rng.random() < 0.8, rng.randint(1, 5)))
    # a tracked BatchNorm saved by ctorch (compared with torch's state dict afterwards)
    for i in range(4):
        d = os.path.join(tmp, f"saved{i}")
        cmds = bn_script("bn2d", 3, rng.choice([0.1, None]), True, True, 3)
        cmds.append(("save", (d,), None))
        scripts.append(cmds)
        saved.append((len(scripts) - 1, d))
    # state dicts written by torch loaded by ctorch: complete, without num_batches_tracked,
    # with an extra key, with a wrong shape
    for variant in ("full", "no_count", "extra", "shape", "untracked"):
        d = os.path.join(tmp, f"load_{variant}")
        os.makedirs(d)
        src = nn.BatchNorm1d(3)
        src.train()
        for _ in range(3):
            src(torch.randn(4, 3))
        for k, v in src.state_dict().items():
            if variant == "no_count" and k == "num_batches_tracked":
                continue
            if variant == "shape" and k == "running_var":
                v = torch.ones(4)
            np.save(os.path.join(d, k + ".npy"), v.numpy())
        if variant == "extra":
            np.save(os.path.join(d, "momentum.npy"), np.zeros(1, dtype=np.float32))
        track = "0" if variant == "untracked" else "1"
        cmds = [("new", ("bn1d", "3", hexf(1e-5), hexf(0.1), "1", track), None), ("load", (d,), None),
                ("state", (), None), ("eval", (), None), ("fwd", (), torch.randn(2, 3))]
        scripts.append(cmds)
    for i in range(6):
        shape = [rng.randint(1, 4) for _ in range(rng.randint(1, 2))]
        cmds = [("new", ("ln", hexf(rng.choice([1e-5, 1e-6])), str(int(rng.random() < 0.7)), ",".join(map(str, shape))),
                 None), ("fwd", (), torch.randn([2] + shape)), ("state", (), None), ("names", (), None),
                ("repr", (), None)]
        scripts.append(cmds)
    for g, c, aff in ((2, 4, 1), (1, 3, 0), (3, 6, 1), (3, 4, 1), (0, 4, 1), (-2, 4, 1), (2, -4, 1)):
        cmds = [("new", ("gn", str(g), str(c), hexf(1e-5), str(aff)), None), ("fwd", (), torch.randn(2, abs(c), 3)),
                ("state", (), None), ("repr", (), None)]
        scripts.append(cmds)
    for p in (0.5, 0.25, 1.5):
        cmds = [("new", ("do2d", hexf(p)), None), ("seed", ("7",), None), ("fwd", (), torch.randn(2, 3, 2, 2)),
                ("eval", (), None), ("fwd", (), torch.randn(2, 3, 2, 2)), ("repr", (), None)]
        scripts.append(cmds)
    scripts.append([("new", ("bn2d", "2", hexf(1e-5), hexf(0.1), "1", "1"), None), ("seq", (), None),
                    ("state", (), None), ("names", (), None), ("repr", (), None)])
    scripts.append([("new", ("bn1d", "-2", hexf(1e-5), hexf(0.1), "1", "1"), None)])
    scripts.append([("new", ("bn1d", "3", hexf(1e-5), hexf(0.1), "1", "1"), None),
                    ("fwd", (), torch.randn(2, 3, 2, 2)), ("fwd", (), torch.randn(1, 3)), ("state", (), None)])
    scripts.append([("new", ("bn2d", "3", hexf(1e-5), hexf(0.1), "1", "1"), None), ("fwd", (), torch.randn(2, 3))])
    return scripts, saved


# ---- comparing ----

def split_values(line):
    """(head, values) of an answer line: values are the bit-pattern tokens after the head."""
    if line.startswith(("out ", "key ")):
        head_end = line.index(")]") + 2 if ")]" in line else line.index(")") + 1
        return line[:head_end], line[head_end:].split()
    tag, _, rest = line.partition(" ")
    return tag, rest.split()


def term_scale(case):
    """{tag: size} of the terms input and weight gradients are sums of (|dy| * invstd * |w|
    for x; invstd * sum(|x - mean| |dy|) for weight): near zero such a gradient is their
    cancellation, whose rounding follows their size. "fd": the floor of the central
    differences' tolerance, whose noise follows the objective (bias included), not |w|."""
    op, x, go = case["op"], case.get("x_view", case["x"]), case.get("go")
    if op not in ("bn", "ln", "gn") or go is None or not go.numel():
        return {}
    x, go = x.double(), go.double()
    w = case["w"].double().abs().max().item() if case.get("w") is not None and case["w"].numel() else 1.0
    eps = case["eps"]
    if op == "bn":
        dims = [0] + list(range(2, x.dim()))
        mean = x.mean(dims) if case["train"] else case["rm"].double()
        var = x.var(dims, unbiased=False) if case["train"] else case["rv"].double()
        inv = 1 / (var + eps).sqrt()
        view = [1, -1] + [1] * (x.dim() - 2)
        spread = ((x.abs() + mean.abs().view(view)) * go.abs()).sum(dims)
        return {"gx": go.abs().max().item() * w * inv.max().item(), "gw": (spread * inv).max().item(),
                "fd": go.abs().max().item() * max(w, 1.0) * inv.max().item()}
    rows = x.reshape(-1, max(1, math.prod(case["shape"]))) if op == "ln" else x.reshape(x.shape[0] * case["groups"], -1)
    inv = (1 / (rows.var(1, unbiased=False) + eps).sqrt()).max().item() if rows.numel() else 1.0
    return {"gx": go.abs().max().item() * w * inv, "fd": go.abs().max().item() * max(w, 1.0) * inv}


def lines_match(got, want, tol_for, stats, op="mod", term_scales=None):
    """tol_for(tag): None for bit-exact lines of that tag, else the rtol."""
    if len(got) != len(want):
        return False
    for g, w in zip(got, want):
        tol = tol_for(g.split()[0]) if g.split() else None
        if g == w:
            if g.startswith(("out", "rm", "rv", "gx", "gw", "gb")):
                stats["exact"] += 1
            continue
        if tol is None or not g.startswith(("out", "rm", "rv", "gx", "gw", "gb")):
            return False
        gh, gv = split_values(g)
        wh, wv = split_values(w)
        if gh != wh or len(gv) != len(wv) or "None" in gv + wv:
            return False
        a = [from_bits(v) for v in gv]
        b = [from_bits(v) for v in wv]
        scale = max([abs(v) for v in b if math.isfinite(v)] + [(term_scales or {}).get(gh, 0.0)])
        if not all(close(x, y, tol, tol * scale) for x, y in zip(a, b)):
            return False
        stats["close"] += 1
        key = (op, g.split()[0], "f32" if len(gv[0]) == 8 else "f64")
        stats.setdefault("by", {})[key] = stats.setdefault("by", {}).get(key, 0) + 1
    return True


def check_fd(chk, case, got):
    floor = max(term_scale(case).get("fd", 0.0), 1e-3)
    tags = ("gx", "gw", "gb", "fdx", "fdw", "fdb")
    lines = {ln.split()[0]: [from_bits(v) for v in ln.split()[1:]] for ln in got if ln.split()[:1] and
             ln.split()[0] in tags and "None" not in ln}
    ok = True
    for g, d in (("gx", "fdx"), ("gw", "fdw"), ("gb", "fdb")):
        if g in lines and d in lines:
            scale = max([abs(v) for v in lines[g]] + [floor])
            ok &= len(lines[g]) == len(lines[d]) and all(
                close(a, b, 1e-5, 1e-6 * scale) for a, b in zip(lines[g], lines[d]))
    return chk.check(ok, f"finite differences: {c_line(case)[:300]}\n" + "\n".join(got)[:800])


def tolerance(case, tag):
    """None (bit for bit) where ctorch runs PyTorch's arithmetic exactly, else rtol."""
    op, dtype = case["op"], case["x"].dtype
    if op in ("pad", "do2d", "ln") or dtype not in RTOL:
        return None
    if op == "gn":
        return None if tag == "out" else RTOL[dtype]
    # batch_norm: float32 on contiguous input is exact; its float64 statistics round as
    # PyTorch's double loops do except for a few, and strided input takes another path.
    if dtype == F32 and case.get("x_view") is None:
        return None
    return RTOL[dtype]


def main():
    binary = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="oracle_norm_")
    try:
        functional = bn_cases() + ln_cases() + gn_cases() + pad_cases() + do2d_cases() + error_cases()
        scripts, saved = module_scripts(tmp)
        lines = [c_line(c) for c in functional] + [script_line(s) for s in scripts]
        answers = run_c(binary, lines)
        chk = Checker("oracle_norm", show=25)
        stats = {"exact": 0, "close": 0}
        for case, got in zip(functional, answers):
            got_lines = got.strip("\n").split("\n")
            want = torch_functional(case)
            g = [ln for ln in got_lines if not ln.startswith("fd")]
            desc = c_line(case)
            desc = desc if len(desc) < 400 else desc[:400] + "..."
            tag = case["op"] + ("/strided" if case.get("x_view") is not None else "")
            chk.check(lines_match(g, want, lambda t, c=case: tolerance(c, t), stats, tag, term_scale(case)), f"case {desc}\n" + first_difference(g, want))
            out = [ln for ln in want if ln.startswith("out")]
            finite = out and case["x"].dtype.is_floating_point and all(
                math.isfinite(from_bits(v)) for v in split_values(out[0])[1])
            if case.get("fd") and finite and not any(ln.startswith("ERR") for ln in got_lines):
                check_fd(chk, case, got_lines)
        for k, (script, got) in enumerate(zip(scripts, answers[len(functional):])):
            want = TorchScript(tmp).run(script)
            g = got.strip("\n").split("\n") if got.strip("\n") else []
            desc = script_line(script)
            desc = desc if len(desc) < 400 else desc[:400] + "..."
            chk.check(lines_match(g, want, lambda t: None, stats), f"script {desc}\n" + first_difference(g, want))
        for k, d in saved:
            ts = TorchScript(tmp)
            ts.run([c for c in scripts[k] if c[0] != "save"])
            sd = ts.m.state_dict()
            files = sorted(f[:-4] for f in os.listdir(d) if f.endswith(".npy"))
            ok = files == sorted(sd.keys())
            for key in files if ok else []:
                arr = np.load(os.path.join(d, key + ".npy"))
                ok &= arr.dtype == sd[key].numpy().dtype and arr.shape == tuple(sd[key].shape)
                ok &= np.allclose(arr, sd[key].numpy(), rtol=1e-5, atol=1e-6)
            fresh = nn.BatchNorm2d(3)
            fresh.load_state_dict({k: torch.from_numpy(np.load(os.path.join(d, k + ".npy"))) for k in files})
            chk.check(ok, f"saved state dict {d}: {files} vs {list(sd.keys())}")
        print(f"value lines: {stats['exact']} bit-exact, {stats['close']} within tolerance")
        if os.environ.get("ORACLE_NORM_DETAIL"):
            for key, n in sorted(stats.get("by", {}).items()):
                print("inexact", *key, n)
        chk.finish()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
