"""Parameter groups and RMSprop / Adagrad / Adamax / NAdam / RAdam against torch.optim
(foreach=False, one thread), bit for bit.

Each case builds random parameters (float32 and float64; contiguous and transposed
non-contiguous leaves) spread over one to three parameter groups, the later groups
overriding some options (lr, weight_decay, betas, momentum, ...), and runs random
gradients through N steps of one optimizer, comparing every parameter after every step
exactly. Some cases round-trip the state through state_dict / load_state_dict mid-run,
and print the whole state dict (param_groups with every option and their params lists;
every state tensor, "step" included, with its dtype and bits) to compare PyTorch's layout.
SGD, Adam and AdamW take part for their parameter groups.
"""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
from harness import BITS, Checker, first_difference, run_c, tensor_spec, values  # noqa: E402

CLASSES = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
           "rmsprop": torch.optim.RMSprop, "adagrad": torch.optim.Adagrad, "adamax": torch.optim.Adamax,
           "nadam": torch.optim.NAdam, "radam": torch.optim.RAdam}


def torch_kwargs(opts):
    return {k: (bool(v) if k in ("nesterov", "amsgrad", "centered", "maximize") else v) for k, v in opts.items()}


def make_torch_optimizer(case, params):
    groups = []
    for g, overrides in enumerate(case["groups"]):
        group = {"params": [params[i] for i, (gi, _, _) in enumerate(case["params"]) if gi == g]}
        group.update(torch_kwargs(overrides))
        groups.append(group)
    # foreach None (the default) is the single-tensor path on CPU in 1.13
    return CLASSES[case["kind"]](groups, **torch_kwargs(case["opts"]))


def number(v):
    return "%.17g" % v


def show(v):
    if v is None:
        return "None"
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, tuple):
        return ",".join(number(x) for x in v)
    return number(v)


def state_lines(opt):
    sd = opt.state_dict()
    lines = []
    for g, group in enumerate(sd["param_groups"]):
        opts = " ".join(f"{k}={show(v)}" for k, v in group.items() if k != "params")
        lines.append(f"group {g} {opts} params={','.join(str(i) for i in group['params'])}")
    for i, entries in sorted(sd["state"].items()):
        for key, v in entries.items():
            if v is None:  # SGD without momentum: ctorch keeps no state
                continue
            if isinstance(v, int):
                v = torch.tensor(v)
            lines.append(f"state {i} {key} {str(v.dtype).replace('torch.', '')}" + values(v, BITS))
    return lines


def torch_answer(case):
    params = []
    for _, t, transposed in case["params"]:
        p = t.clone()
        params.append((p.t() if transposed else p).requires_grad_())
    try:
        opt = make_torch_optimizer(case, params)
    except ValueError as e:
        return [f"ERR {e}"]
    lines, steps = [], 0
    for step in case["steps"]:
        if step == "R":
            state = opt.state_dict()
            opt = make_torch_optimizer(case, params)
            opt.load_state_dict(state)
            continue
        if step == "D":
            lines += state_lines(opt)
            continue
        for i, p in enumerate(params):
            g = step.get(i)
            p.grad = None if g is None else (g[0].t() if g[1] else g[0].clone())
        opt.step()
        steps += 1
        lines.append(f"step {steps}")
        lines += [values(p, BITS) for p in params]
    return lines


def options_text(opts):
    return " ".join(f"{k}={show(tuple(v)) if isinstance(v, tuple) else repr(v)}" for k, v in opts.items())


def c_line(case):
    fields = [f"{case['kind']} {options_text(case['opts'])}"]
    for g, overrides in enumerate(case["groups"]):
        if overrides:
            fields.append(f"O {g} {options_text(overrides)}")
    for g, t, transposed in case["params"]:
        fields.append(f"P {g} {tensor_spec(t)}" + (" T" if transposed else ""))
    for step in case["steps"]:
        if step in ("R", "D"):
            fields.append(step)
            continue
        for i, (g, transposed) in sorted(step.items()):
            fields.append(f"G {i} {tensor_spec(g)}" + (" T" if transposed else ""))
        fields.append("S")
    return " ; ".join(fields)


rng = random.Random(2024)
torch.manual_seed(2024)


def betas():
    return rng.choice([(0.9, 0.999), (0.8, 0.99), (0.0, 0.5), (0.95, 0.9999), (0.5, 0.9)])


def options(kind):
    """Random options of one kind (a subset of its keys; the rest stay PyTorch's defaults)."""
    o = {}
    if kind == "sgd":
        o = {"lr": rng.choice([0.1, 0.01, 0.5]), "momentum": rng.choice([0, 0.9, 0.5])}
        if rng.random() < 0.3:
            o["dampening"] = 0.1
    elif kind in ("adam", "adamw"):
        o = {"lr": rng.choice([1e-3, 0.1, 0.01]), "betas": betas()}
        if rng.random() < 0.3:
            o["amsgrad"] = 1
    elif kind == "rmsprop":
        o = {"lr": rng.choice([1e-2, 0.1, 1e-3]), "alpha": rng.choice([0.99, 0.9, 0.5, 0.0]),
             "momentum": rng.choice([0, 0, 0.9, 0.5]), "centered": rng.choice([0, 1]),
             "eps": rng.choice([1e-8, 1e-3, 0.0])}
    elif kind == "adagrad":
        o = {"lr": rng.choice([1e-2, 0.1, 0.5]), "lr_decay": rng.choice([0, 0.01, 0.5]),
             "initial_accumulator_value": rng.choice([0, 0.1, 2.0]), "eps": rng.choice([1e-10, 1e-3])}
    elif kind == "adamax":
        o = {"lr": rng.choice([2e-3, 0.1, 0.01]), "betas": betas(), "eps": rng.choice([1e-8, 1e-3, 0.0])}
    elif kind == "nadam":
        o = {"lr": rng.choice([2e-3, 0.1, 0.01]), "betas": betas(), "momentum_decay": rng.choice([4e-3, 0.1, 0.0])}
    elif kind == "radam":
        o = {"lr": rng.choice([1e-3, 0.1, 0.01]), "betas": betas(), "eps": rng.choice([1e-8, 1e-3])}
    if rng.random() < 0.4:
        o["weight_decay"] = rng.choice([1e-2, 0.1, 5e-4])
    if kind in ("sgd", "adam", "adamw", "rmsprop", "adagrad", "adamax") and rng.random() < 0.2:
        o["maximize"] = 1
    return o


def overrides(kind):
    """A later group's overrides: a random subset of a fresh random option set."""
    full = options(kind)
    keys = [k for k in full if rng.random() < 0.5]
    return {k: full[k] for k in keys}


def random_case(kind):
    dt = torch.float32 if rng.random() < 0.7 else torch.float64
    n_groups = rng.choice([1, 1, 2, 3])
    groups = [{}] + [overrides(kind) for _ in range(n_groups - 1)]
    params = []
    for g in range(n_groups):
        for _ in range(rng.randint(1, 2)):
            shape = rng.choice([(1,), (7,), (3, 4), (5, 2), (1003,), (64, 33), ()])
            transposed = len(shape) == 2 and rng.random() < 0.3
            params.append((g, torch.randn(shape[::-1] if transposed else shape, dtype=dt), transposed))
    n_steps = rng.choice([1, 3, 5, 10, 20, 40])
    steps = []
    for k in range(n_steps):
        step = {}
        for i, (_, t, transposed) in enumerate(params):
            if rng.random() < 0.1:
                continue
            shape = t.shape[::-1] if transposed else t.shape
            g_transposed = len(shape) == 2 and rng.random() < 0.2
            g = torch.randn(shape[::-1] if g_transposed else shape, dtype=dt) * rng.choice([1.0, 1e-3, 10.0])
            step[i] = (g, g_transposed)
        steps.append(step)
        if rng.random() < 0.08 and k + 1 < n_steps:
            steps.append("R")
        if rng.random() < 0.1:
            steps.append("D")
    steps.append("D")
    return {"kind": kind, "opts": options(kind), "groups": groups, "params": params, "steps": steps}


def error_cases():
    base = [(0, torch.randn(3), False)]
    one = [{0: (torch.randn(3), False)}]
    cases = []
    for kind, opts in [
        ("rmsprop", {"lr": -1.0}), ("rmsprop", {"eps": -1e-8}), ("rmsprop", {"momentum": -0.5}),
        ("rmsprop", {"weight_decay": -0.1}), ("rmsprop", {"alpha": -0.5}),
        ("adagrad", {"lr": -0.1}), ("adagrad", {"lr_decay": -0.1}), ("adagrad", {"weight_decay": -1.0}),
        ("adagrad", {"initial_accumulator_value": -1.0}), ("adagrad", {"eps": -1.0}),
        ("adamax", {"lr": -0.1}), ("adamax", {"betas": (1.0, 0.9)}), ("adamax", {"betas": (0.9, -0.1)}),
        ("nadam", {"eps": -1.0}), ("nadam", {"momentum_decay": -1.0}), ("nadam", {"weight_decay": -1.0}),
        ("radam", {"betas": (0.9, 1.5)}), ("radam", {"lr": -2.0}),
    ]:
        cases.append({"kind": kind, "opts": opts, "groups": [{}], "params": base, "steps": one})
    return cases


def normalized(text):
    """Group lines with their options sorted by key: a group dict's key order depends on which
    keys the user gave (they come first), which ctorch does not record."""
    out = []
    for line in text.split("\n"):
        if line.startswith("group "):
            words = line.split(" ")
            line = " ".join(words[:2] + sorted(words[2:]))
        out.append(line)
    return out


def main():
    binary = sys.argv[1]
    cases = []
    for kind in ("rmsprop", "adagrad", "adamax", "nadam", "radam"):
        cases += [random_case(kind) for _ in range(50)]
    for kind in ("sgd", "adam", "adamw"):
        cases += [random_case(kind) for _ in range(15)]
    cases += error_cases()
    answers = run_c(binary, [c_line(c) for c in cases])
    chk = Checker("oracle_optim_more")
    for case, got in zip(cases, answers):
        want = normalized("\n".join(torch_answer(case)) + "\n")
        got = normalized(got)
        desc = f"{case['kind']} {case['opts']} groups={case['groups']}"
        if got != want:
            chk.check(False, f"{desc}: {first_difference(got, want)}")
        else:
            chk.check(True, desc)
    chk.finish()


if __name__ == "__main__":
    main()
