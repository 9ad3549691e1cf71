"""Optimizer parity: ctorch's SGD / Adam / AdamW against torch.optim, bit for bit.

Each case builds random parameters (float32 and float64; contiguous and transposed
non-contiguous leaves; sizes up to 70,000 elements, and 2^20+3 for the multi-threaded
path), then runs a fixed sequence of random gradients (passed exactly in tensor specs; some
parameters have no gradient at some steps, some gradients are non-contiguous) through N steps of one
optimizer configuration, and compares every parameter after every step exactly.
Configurations: SGD plain / momentum / dampening / nesterov / weight decay / maximize;
Adam and AdamW with and without amsgrad, weight decay, maximize, unusual betas and eps.
Some cases round-trip the state through state_dict / load_state_dict into a fresh
optimizer mid-run, which must not change a single bit. Invalid options compare PyTorch's
error text.
"""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
from harness import BITS, Checker, run_c, tensor_spec, values  # noqa: E402

def make_torch_optimizer(cfg, params):
    kind, o = cfg["kind"], cfg["opts"]
    if kind == "sgd":
        return torch.optim.SGD(params, lr=o["lr"], momentum=o.get("momentum", 0), dampening=o.get("dampening", 0),
                               weight_decay=o.get("wd", 0), nesterov=bool(o.get("nesterov", 0)),
                               maximize=bool(o.get("maximize", 0)), foreach=False)
    cls = torch.optim.Adam if kind == "adam" else torch.optim.AdamW
    return cls(params, lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["eps"], weight_decay=o["wd"],
               amsgrad=bool(o.get("amsgrad", 0)), maximize=bool(o.get("maximize", 0)), foreach=False)


def torch_answer(case):
    """Runs the case in torch; returns the expected output lines."""
    params = []
    for t, transposed in case["params"]:
        p = t.clone()
        p = p.t() if transposed else p
        params.append(p.requires_grad_())
    try:
        opt = make_torch_optimizer(case, params)
    except ValueError as e:
        return [f"ERR {e}"]
    lines = []
    for k, step in enumerate(case["steps"]):
        if step == "R":
            state = opt.state_dict()
            opt = make_torch_optimizer(case, params)
            opt.load_state_dict(state)
            continue
        for i, p in enumerate(params):
            g = step.get(i)
            if g is None:
                p.grad = None
            else:
                gt, transposed = g
                p.grad = gt.t() if transposed else gt.clone()
        opt.step()
        lines.append(f"step {sum(1 for s in case['steps'][:k + 1] if s != 'R')}")
        lines += [values(p, BITS) for p in params]
    return lines


def c_line(case):
    opts = " ".join(f"{k}={v!r}" for k, v in case["opts"].items())
    fields = [f"{case['kind']} {opts}"]
    for t, transposed in case["params"]:
        fields.append(f"P {tensor_spec(t)}" + (" T" if transposed else ""))
    for step in case["steps"]:
        if step == "R":
            fields.append("R")
            continue
        for i, (g, transposed) in sorted(step.items()):
            fields.append(f"G {i} {tensor_spec(g)}" + (" T" if transposed else ""))
        fields.append("S")
    return " ; ".join(fields)


rng = random.Random(4321)
torch.manual_seed(4321)


def sgd_options():
    o = {"lr": rng.choice([0.1, 0.01, 1e-3, 0.5, 0.0])}
    style = rng.choice(["plain", "momentum", "dampening", "nesterov", "wd", "all"])
    if style in ("momentum", "dampening", "nesterov", "all"):
        o["momentum"] = rng.choice([0.9, 0.5, 0.99])
    if style in ("dampening", "all") and style != "nesterov":
        o["dampening"] = rng.choice([0.1, 0.5, 1.0])
    if style == "nesterov":
        o["nesterov"] = 1
    if style in ("wd", "all", "nesterov") or rng.random() < 0.2:
        o["wd"] = rng.choice([1e-2, 0.1, 5e-4])
    if rng.random() < 0.25:
        o["maximize"] = 1
    return o


def adam_options(kind):
    beta1, beta2 = rng.choice([(0.9, 0.999), (0.8, 0.99), (0.0, 0.5), (0.95, 0.9999)])
    o = {"lr": rng.choice([1e-3, 0.1, 0.01, 0.3]), "beta1": beta1, "beta2": beta2,
         "eps": rng.choice([1e-8, 1e-6, 0.1, 0.0]),
         "wd": rng.choice([0.0, 0.0, 0.01, 0.1] if kind == "adam" else [0.01, 0.0, 0.1])}
    if rng.random() < 0.4:
        o["amsgrad"] = 1
    if rng.random() < 0.2:
        o["maximize"] = 1
    return o


def random_case(kind):
    dt = torch.float32 if rng.random() < 0.7 else torch.float64
    params = []
    for _ in range(rng.randint(1, 3)):
        shape = rng.choice([(1,), (7,), (3, 4), (5, 2), (1003,), (64, 33), ()])
        if rng.random() < 0.04:
            shape = (70000,)
        transposed = len(shape) == 2 and rng.random() < 0.3
        t = torch.randn(shape[::-1] if transposed else shape, dtype=dt)
        params.append((t, transposed))
    n_steps = rng.choice([1, 3, 5, 10, 20]) if rng.random() < 0.9 else 60
    big = any(t.numel() > 10000 for t, _ in params)
    if big:
        n_steps = min(n_steps, 5)
    steps = []
    for k in range(n_steps):
        step = {}
        for i, (t, transposed) in enumerate(params):
            if rng.random() < 0.1:
                continue  # no gradient for this parameter at this step
            shape = t.shape[::-1] if transposed else t.shape
            g_transposed = len(shape) == 2 and rng.random() < 0.2
            g = torch.randn(shape[::-1] if g_transposed else shape, dtype=dt) * rng.choice([1.0, 1e-3, 10.0])
            step[i] = (g, g_transposed)
        steps.append(step)
        if rng.random() < 0.08 and k + 1 < n_steps:
            steps.append("R")
    opts = sgd_options() if kind == "sgd" else adam_options(kind)
    return {"kind": kind, "opts": opts, "params": params, "steps": steps}


def threaded_case(kind):
    """A parameter above the kernels' threading threshold (2^20 elements), two steps."""
    t = torch.randn((1 << 20) + 3)
    steps = [{0: (torch.randn(t.shape), False)} for _ in range(2)]
    opts = {"lr": 0.01, "momentum": 0.9} if kind == "sgd" else adam_options(kind)
    return {"kind": kind, "opts": opts, "params": [(t, False)], "steps": steps}


def error_cases():
    base = [(torch.randn(3), False)]
    one = [{0: (torch.randn(3), False)}]
    cases = []
    for kind, opts in [
        ("sgd", {"lr": -0.1}), ("sgd", {"lr": 0.1, "momentum": -0.5}), ("sgd", {"lr": 0.1, "wd": -0.01}),
        ("sgd", {"lr": 0.1, "nesterov": 1}), ("sgd", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": 1}),
        ("adam", {"lr": -1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "wd": 0.0}),
        ("adam", {"lr": 1e-3, "beta1": 1.5, "beta2": 0.999, "eps": 1e-8, "wd": 0.0}),
        ("adam", {"lr": 1e-3, "beta1": 0.9, "beta2": 1.0, "eps": 1e-8, "wd": 0.0}),
        ("adam", {"lr": 1e-3, "beta1": -0.1, "beta2": 0.999, "eps": 1e-8, "wd": 0.0}),
        ("adam", {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": -1e-8, "wd": 0.0}),
        ("adamw", {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "wd": -0.01}),
        ("adamw", {"lr": 2e-5, "beta1": 0.9, "beta2": 1e20, "eps": 1e-8, "wd": 0.01}),
    ]:
        cases.append({"kind": kind, "opts": opts, "params": base, "steps": one})
    return cases


def main():
    binary = sys.argv[1]
    cases = []
    for kind in ("sgd", "adam", "adamw"):
        cases += [random_case(kind) for _ in range(60)]
    cases += [threaded_case("sgd"), threaded_case("adam")]
    cases += error_cases()
    answers = run_c(binary, [c_line(c) for c in cases])
    chk = Checker("oracle_optim")
    for case, got in zip(cases, answers):
        want = "\n".join(torch_answer(case)) + "\n"
        desc = f"{case['kind']} {case['opts']} params={[tuple(t.shape) for t, _ in case['params']]}"
        if got != want:
            # show the first differing line only
            gl, wl = got.split("\n"), want.split("\n")
            k = next((i for i, (a, b) in enumerate(zip(gl, wl)) if a != b), min(len(gl), len(wl)))
            chk.check(False, f"{desc}: first difference at output line {k}\n"
                             f"--- ctorch: {gl[k][:300] if k < len(gl) else ''}\n"
                             f"--- torch:  {wl[k][:300] if k < len(wl) else ''}")
        else:
            chk.check(True, desc)
    chk.finish()


if __name__ == "__main__":
    main()
