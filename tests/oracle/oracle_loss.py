"""Loss parity: ctorch's losses against torch.nn.functional on generated cases.

Every case runs in both: forward value, grad_fn name, result shape/dtype, and the
gradients of input (and target where PyTorch has one) after backward with a random
upstream gradient ('none') or the implicit 1. binary_cross_entropy, mse_loss, l1_loss and
nll_loss (float32 and float64; the parity sheet pins their kernels and summation order)
must match bit for bit, forward and backward, on same-shape contiguous inputs; the rest
(BCE's target gradient, BCE with logits, broadcasting, transposed inputs, cross entropy)
match to a stated tolerance (see tolerance()). Float64 cases also check ctorch's
gradients against its own central finite differences. Error cases compare PyTorch's message text exactly.
Inputs cover BCE values at and near 0 and 1 (exact 0, 1, 1e-30, 1-2^-24), weights
broadcast along dims, ignore_index, empty batches, (N, C, d1...) inputs, label smoothing.
"""
import math
import os
import random
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from harness import BITS, Checker, close, first_difference, from_bits, run_c, tensor_spec, values  # noqa: E402

warnings.simplefilter("ignore")
RED = ["none", "mean", "sum"]


def fmt(tag, t):
    return tag + values(t, BITS)


# ---- the torch side ----

def torch_answer(case):
    x, t = case["x"].clone(), case["t"].clone()
    w, pw, go = case.get("w"), case.get("pw"), case.get("go")
    if case.get("gx"):
        x.requires_grad_(True)
    if case.get("gt"):
        t.requires_grad_(True)
    xv, tv = (x.T, t.T) if case.get("T") else (x, t)
    red = RED[case["red"]]
    loss = case["loss"]
    lines = []
    try:
        if loss == "bce":
            out = F.binary_cross_entropy(xv, tv, weight=w, reduction=red)
        elif loss == "bce_logits":
            out = F.binary_cross_entropy_with_logits(xv, tv, weight=w, pos_weight=pw, reduction=red)
        elif loss == "mse":
            out = F.mse_loss(xv, tv, reduction=red)
        elif loss == "l1":
            out = F.l1_loss(xv, tv, reduction=red)
        elif loss == "nll":
            out = F.nll_loss(xv, tv, weight=w, ignore_index=case.get("ignore", -100), reduction=red)
        else:
            out = F.cross_entropy(xv, tv, weight=w, ignore_index=case.get("ignore", -100), reduction=red,
                                  label_smoothing=case.get("ls", 0.0))
        lines.append(f"name {type(out.grad_fn).__name__ if out.grad_fn else 'None'}")
        dtname = str(out.dtype).replace("torch.", "")
        lines.append(fmt(f"out {dtname} {out.shape}", out))
        if case.get("gx") or case.get("gt"):
            out.backward(go)
            if case.get("gx"):
                lines.append(fmt("gx", x.grad))
            if case.get("gt"):
                lines.append(fmt("gt", t.grad))
    except (RuntimeError, ValueError, IndexError) as e:
        return [f"ERR {e}"]
    return lines


def c_line(case):
    parts = [case["loss"], str(case["red"])]
    for key in ("x", "t", "w", "pw", "go"):
        if case.get(key) is not None:
            parts.append(f"{key} {tensor_spec(case[key])}")
    if "ignore" in case:
        parts.append(f"ignore {case['ignore']}")
    if "ls" in case:
        parts.append(f"ls {float(case['ls']).hex()}")
    for flag in ("gx", "gt", "T", "fd"):
        if case.get(flag):
            parts.append(flag)
    return " ".join(parts)


# ---- comparison ----

def compare_lines(chk, case, got, want, tol):
    """tol: None for exact, else (rtol, atol) for values."""
    desc = c_line(case)
    if len(desc) > 300:
        desc = desc[:300] + "..."
    g_lines = [ln for ln in got.strip("\n").split("\n") if not ln.startswith("fd")]
    if len(g_lines) != len(want) or any(a.startswith("ERR") != b.startswith("ERR") for a, b in zip(g_lines, want)):
        return chk.check(False, f"case {desc}\n" + first_difference(g_lines, want))
    ok = True
    for gl, wl in zip(g_lines, want):
        if gl.startswith("ERR") or gl.startswith("name"):
            ok &= gl == wl
            continue
        gt_, wt_ = gl.split(), wl.split()
        head = 1 if gt_[0] in ("gx", "gt") else gl.index(")") + 1
        if gl[:head] != wl[:head] if gt_[0] == "out" else gt_[0] != wt_[0]:
            ok = False
            continue
        gv = gl[head:].split() if gt_[0] == "out" else gt_[1:]
        wv = wl[head:].split() if gt_[0] == "out" else wt_[1:]
        if len(gv) != len(wv):
            ok = False
        elif tol is None:
            ok &= gv == wv
        else:
            ok &= all(close(from_bits(a), from_bits(b), *tol) for a, b in zip(gv, wv))
    return chk.check(ok, f"case {desc}\n" + first_difference(g_lines, want))


def torch_out_values(lines):
    """The forward values of an answer (to skip finite differences of a nan loss)."""
    out = next((ln for ln in lines if ln.startswith("out")), "")
    return [from_bits(v) for v in out[out.index(")") + 1:].split()] if out else []


def check_fd(chk, case, got):
    """ctorch's float64 gradients against its own central differences."""
    lines = {ln.split()[0]: [from_bits(v) for v in ln.split()[1:]] for ln in got.strip("\n").split("\n")
             if ln.split() and ln.split()[0] in ("gx", "gt", "fdx", "fdt")}
    ok = True
    for g, d in (("gx", "fdx"), ("gt", "fdt")):
        if g in lines and d in lines:
            scale = max([abs(v) for v in lines[g]] + [1e-3])
            ok &= len(lines[g]) == len(lines[d]) and all(
                close(a, b, 1e-5, 1e-6 * scale) for a, b in zip(lines[g], lines[d]))
    return chk.check(ok, f"finite differences: {c_line(case)[:300]}\n{got[:600]}")


# ---- case generation ----

rng = random.Random(1234)
torch.manual_seed(1234)
SHAPES = [(), (1,), (2,), (7,), (3, 4), (2, 3, 4), (37,), (64,), (100,), (1000,), (5, 33), (0,), (4099,)]


def tensor(vals, shape, dtype):
    return torch.tensor(vals, dtype=dtype).reshape(shape)


def bce_value(r):
    u = r.random()
    if u < 0.08:
        return 0.0
    if u < 0.16:
        return 1.0
    if u < 0.2:
        return r.choice([1e-30, 1e-8, 1e-44, 2.0 ** -24, 1 - 2.0 ** -24, 1 - 1e-7, 0.5])
    return r.random()


def numel(shape):
    return math.prod(shape) if shape else 1


def maybe_weight(shape, dtype, p=0.35):
    if rng.random() > p or not shape:
        return None
    choice = rng.random()
    if choice < 0.4:
        wshape = shape
    elif choice < 0.8:
        wshape = shape[-1:]
    else:
        wshape = (1,)
    return torch.rand(wshape, dtype=dtype) * 2


def upstream(shape, dtype, red):
    return torch.randn(shape, dtype=dtype) if red == 0 else None


def pointwise_cases():
    cases = []
    for loss in ("bce", "mse", "l1", "bce_logits"):
        for i in range(200 if loss != "bce" else 300):
            dt = torch.float32 if rng.random() < 0.7 else torch.float64
            shape = rng.choice(SHAPES)
            red = rng.randrange(3)
            n = numel(shape)
            case = {"loss": loss, "red": red, "gx": True}
            if loss == "bce":
                near = rng.random() < 0.5
                xs = [bce_value(rng) if near else rng.random() for _ in range(n)]
                ts = [rng.choice([0.0, 1.0]) if rng.random() < 0.5 else rng.random() for _ in range(n)]
                case["x"], case["t"] = tensor(xs, shape, dt), tensor(ts, shape, dt)
                case["w"] = maybe_weight(shape, dt)
                # the target gradient is -logit(x): finite only strictly inside (0, 1)
                case["gt"] = not near and rng.random() < 0.4
                case["fd"] = dt == torch.float64 and not near and n <= 100
            elif loss == "bce_logits":
                case["x"] = torch.randn(shape, dtype=dt) * 3
                case["t"] = torch.rand(shape, dtype=dt)
                case["w"] = maybe_weight(shape, dt)
                if shape and rng.random() < 0.4:
                    case["pw"] = torch.rand(shape[-1:], dtype=dt) * 3
                case["gt"] = rng.random() < 0.5
                case["fd"] = dt == torch.float64 and n <= 100
            else:
                xshape, tshape = shape, shape
                if shape and rng.random() < 0.2:  # broadcasting (PyTorch warns, then broadcasts)
                    tshape = shape[-1:]
                    if rng.random() < 0.5:
                        xshape, tshape = tshape, xshape
                case["x"] = torch.randn(xshape, dtype=dt)
                case["t"] = torch.randn(tshape, dtype=dt)
                if loss == "l1" and rng.random() < 0.1:
                    case["t"] = case["x"].clone() if xshape == tshape else case["t"]  # zero differences
                case["gt"] = rng.random() < 0.5
                case["fd"] = dt == torch.float64 and numel(xshape) <= 100 and numel(tshape) <= 100 and \
                    not torch.equal(case["t"], case["x"])
                shape = torch.broadcast_shapes(xshape, tshape)
            case["go"] = upstream(shape, dt, red)
            if len(shape) == 2 and rng.random() < 0.25:
                case["T"] = True
                case["x"] = case["x"].T.contiguous()
                case["t"] = case["t"].T.contiguous()
                if case.get("w") is not None and case["w"].shape != (1,):
                    case["w"] = None
                if case.get("pw") is not None:
                    case["pw"] = None
            cases.append(case)
    return cases


def class_cases(loss):
    cases = []
    for i in range(250):
        dt = torch.float32 if rng.random() < 0.7 else torch.float64
        kind = rng.random()
        c = rng.choice([1, 2, 3, 5, 10, 17])
        if kind < 0.15:
            in_shape, t_shape = (c,), ()
        elif kind < 0.7:
            n = rng.choice([0, 1, 3, 8, 31, 64, 200, 1000])
            in_shape, t_shape = (n, c), (n,)
        else:
            n = rng.choice([1, 2, 3])
            spatial = rng.choice([(4,), (3, 5), (2, 3, 2), (1,), (17,)])
            in_shape, t_shape = (n, c) + spatial, (n,) + spatial
        red = rng.randrange(3)
        x = torch.randn(in_shape, dtype=dt)
        if loss == "nll":
            x = x.log_softmax(1 if len(in_shape) > 1 else 0)
        target = torch.randint(0, c, t_shape)
        case = {"loss": loss, "red": red, "x": x, "t": target, "gx": True}
        if rng.random() < 0.3:
            ignore = rng.choice([-100, 0, c - 1])
            if ignore == -100 and target.numel():
                target.view(-1)[torch.rand(target.numel()) < 0.3] = -100
            case["ignore"] = ignore
        if rng.random() < 0.4:
            case["w"] = torch.rand(c, dtype=dt) + 0.1
        if loss == "ce" and rng.random() < 0.35:
            case["ls"] = rng.choice([0.1, 0.25, 1.0, 0.05])
        case["go"] = None
        if red == 0:
            out_shape = t_shape if len(in_shape) > 1 else ()
            case["go"] = torch.randn(out_shape, dtype=dt)
        case["fd"] = dt == torch.float64 and x.numel() <= 200
        cases.append(case)
    return cases


def error_cases():
    cases = [
        {"loss": "bce", "red": 1, "x": torch.tensor([0.5, 1.5]), "t": torch.tensor([0.0, 1.0])},
        {"loss": "bce", "red": 1, "x": torch.tensor([0.5, -0.0, -1e-30]), "t": torch.tensor([0.0, 1.0, 1.0])},
        {"loss": "bce", "red": 0, "x": torch.tensor([0.5, float("nan")]), "t": torch.tensor([0.0, 1.0])},
        {"loss": "bce", "red": 1, "x": torch.rand(2, 1), "t": torch.rand(2)},
        {"loss": "bce", "red": 1, "x": torch.rand(3), "t": torch.rand(3), "w": torch.rand(2)},
        {"loss": "bce", "red": 1, "x": torch.rand(3, 2), "t": torch.rand(3, 2), "w": torch.rand(4, 3, 2)},
        {"loss": "bce", "red": 1, "x": torch.rand(3, dtype=torch.float64), "t": torch.rand(3)},
        {"loss": "bce", "red": 2, "x": torch.tensor([0.3, 0.7]), "t": torch.tensor([-1.5, 2.0]), "gx": True},
        {"loss": "bce_logits", "red": 1, "x": torch.rand(2, 1), "t": torch.rand(2)},
        {"loss": "bce_logits", "red": 1, "x": torch.rand(3), "t": torch.rand(3), "pw": torch.rand(2)},
        {"loss": "mse", "red": 1, "x": torch.rand(3), "t": torch.rand(2)},
        {"loss": "l1", "red": 1, "x": torch.rand(3, 4), "t": torch.rand(2, 4)},
        {"loss": "nll", "red": 1, "x": torch.randn(3, 5), "t": torch.tensor([1, 2, 5])},
        {"loss": "nll", "red": 0, "x": torch.randn(3, 5), "t": torch.tensor([1, -1, 0])},
        {"loss": "nll", "red": 1, "x": torch.randn(3, 5), "t": torch.tensor([1, 2])},
        {"loss": "nll", "red": 1, "x": torch.randn(3, 5), "t": torch.tensor([[1, 2, 0]])},
        {"loss": "nll", "red": 1, "x": torch.randn(3, 5), "t": torch.tensor([1, 2, 0]), "w": torch.ones(4)},
        {"loss": "nll", "red": 1, "x": torch.randn(3, 5), "t": torch.tensor([1, 2, 0]), "w": torch.ones(5, 1)},
        {"loss": "nll", "red": 1, "x": torch.randn(3, 5), "t": torch.tensor([1.0, 2.0, 0.0])},
        {"loss": "nll", "red": 1, "x": torch.randn(5), "t": torch.tensor([2])},
        {"loss": "nll", "red": 1, "x": torch.randn(2, 5, 3), "t": torch.tensor([[2, 1], [0, 1]])},
        {"loss": "nll", "red": 1, "x": torch.randn(2, 5, 3, 4), "t": torch.tensor([[2, 1], [0, 1]])},
        {"loss": "nll", "red": 1, "x": torch.randn(2, 5, 3, 4), "t": torch.zeros(2, 3, 5, dtype=torch.long)},
        {"loss": "nll", "red": 1, "x": torch.randn(2, 5, 3, 4, 2), "t": torch.zeros(2, 3, 5, dtype=torch.long)},
        {"loss": "nll", "red": 1, "x": torch.randn(2, 5, 3, 4), "t": torch.zeros(2, 3, 4, dtype=torch.long) + 7},
        {"loss": "nll", "red": 1, "x": torch.tensor(2.0), "t": torch.tensor(2)},
        {"loss": "nll", "red": 1, "x": torch.randn(2, 5, 3), "t": torch.zeros(2, 3, dtype=torch.long),
         "w": torch.ones(3)},
        {"loss": "nll", "red": 1, "x": torch.randn(3, 5, dtype=torch.float64), "t": torch.tensor([1, 2, 0]),
         "w": torch.ones(5)},
        {"loss": "nll", "red": 1, "x": torch.randn(3, 5), "t": torch.tensor([-100, -100, -100]), "gx": True},
        {"loss": "nll", "red": 2, "x": torch.randn(3, 5), "t": torch.tensor([-100, -100, -100]), "gx": True},
    ]
    cases += [
        {"loss": "ce", "red": 1, "x": torch.randn(3, 5), "t": torch.tensor([1, 2, 0]), "ls": 1.5},
        {"loss": "ce", "red": 1, "x": torch.randn(3, 5), "t": torch.tensor([1, 2, 0]), "ls": -0.5, "gx": True},
        {"loss": "ce", "red": 1, "x": torch.randn(3, 5), "t": torch.tensor([1, 2, 7])},
    ]
    return cases


def tolerance(case):
    """None: bit-exact. BCE, MSE, L1 and NLL run PyTorch's kernels and summation order, so
    same-shape contiguous inputs must match exactly (BCE's target gradient excepted:
    PyTorch's logit uses SLEEF's log). Broadcast or transposed inputs reduce in another
    order, and BCE with logits / cross entropy use SLEEF's exp/log: rounding-level tolerance."""
    f32 = case["x"].dtype == torch.float32
    same = case["x"].shape == case["t"].shape
    if case["loss"] == "nll":
        return None
    if case["loss"] in ("mse", "l1") and same and not case.get("T"):
        return None
    if case["loss"] == "bce" and not case.get("T") and not case.get("gt"):
        return None
    return (2e-5, 1e-6) if f32 else (1e-11, 1e-13)


def main():
    binary = sys.argv[1]
    cases = pointwise_cases() + class_cases("nll") + class_cases("ce") + error_cases()
    answers = run_c(binary, [c_line(c) for c in cases])
    chk = Checker("oracle_loss", show=40)
    for case, got in zip(cases, answers):
        want = torch_answer(case)
        compare_lines(chk, case, got, want, tolerance(case))
        if case.get("fd") and not got.startswith("ERR") and "nan" not in str(torch_out_values(want)):
            check_fd(chk, case, got)
    chk.finish()


if __name__ == "__main__":
    main()
