"""Learning-rate schedulers against torch.optim.lr_scheduler: every group's lr after
construction and after each of up to 300 steps must be PyTorch's double to the last bit
(printed %.17g), for random configurations of StepLR, MultiStepLR, ExponentialLR,
CosineAnnealingLR (chainable form), CosineAnnealingWarmRestarts (integer steps and
fractional epochs), step(epoch) with PyTorch's closed forms, LinearLR, LambdaLR and
MultiplicativeLR (one function, or one per group), OneCycleLR (cos/linear,
three_phase, momentum / beta1 cycling, per-group max_lr), ReduceLROnPlateau (per-group
min_lr) and SequentialLR, over one to
three parameter groups of SGD (momentum) or Adam, each scheduler step after an optimizer
step whose parameters must also end bit-identical. Each run round-trips the scheduler's
state_dict mid-way. Invalid arguments compare PyTorch's messages.
"""
import math
import os
import random
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
from harness import BITS, Checker, first_difference, run_c, values  # noqa: E402

warnings.simplefilter("ignore")
S = torch.optim.lr_scheduler


def make(case, opt):
    a, name = case["args"], case["name"]
    if name == "step":
        return S.StepLR(opt, int(a["step_size"]), a["gamma"])
    if name == "multistep":
        return S.MultiStepLR(opt, [int(m) for m in a["milestones"]], a["gamma"])
    if name == "exponential":
        return S.ExponentialLR(opt, a["gamma"])
    if name == "cosine":
        return S.CosineAnnealingLR(opt, int(a["T_max"]), a["eta_min"])
    if name == "warm":
        return S.CosineAnnealingWarmRestarts(opt, int(a["T_0"]), int(a["T_mult"]), a["eta_min"])
    if name == "linear":
        return S.LinearLR(opt, a["start_factor"], a["end_factor"], int(a["total_iters"]))
    n = len(opt.param_groups)
    if name == "lambda":
        if a.get("per_group"):
            return S.LambdaLR(opt, [lambda e, b=0.95 - 0.01 * g: b ** e for g in range(n)])
        return S.LambdaLR(opt, lambda e: 0.95 ** e)
    if name == "multiplicative":
        if a.get("per_group"):
            return S.MultiplicativeLR(opt, [lambda e, b=0.97 - 0.01 * g: b if e % 3 else 1.05 for g in range(n)])
        return S.MultiplicativeLR(opt, lambda e: 0.97 if e % 3 else 1.05)
    if name == "onecycle":
        return S.OneCycleLR(opt, a.get("max_lrs", a["max_lr"]), total_steps=int(a["total_steps"]), pct_start=a["pct_start"],
                            anneal_strategy="linear" if a["linear"] else "cos", three_phase=bool(a["three_phase"]),
                            cycle_momentum=bool(a["cycle_momentum"]), div_factor=a["div_factor"],
                            final_div_factor=a["final_div_factor"])
    if name == "plateau":
        return S.ReduceLROnPlateau(opt, mode="max" if a["mode_max"] else "min", factor=a["factor"],
                                   patience=int(a["patience"]), threshold=a["threshold"],
                                   threshold_mode="abs" if a["threshold_abs"] else "rel", cooldown=int(a["cooldown"]),
                                   min_lr=a.get("min_lrs", a["min_lr"]), eps=a["eps"])
    kids = [S.LinearLR(opt, a["start_factor"], 1.0, int(a["total_iters"])),
            S.CosineAnnealingLR(opt, int(a["T_max"]), a["eta_min"]), S.ExponentialLR(opt, a["gamma"])]
    return S.SequentialLR(opt, kids, [int(m) for m in a["milestones"]])


def lr_line(sched, opt, momentum):
    lrs = sched._last_lr if hasattr(sched, "_last_lr") else [g["lr"] for g in opt.param_groups]
    line = "lr " + " ".join("%.17g" % v for v in lrs)
    if momentum:
        g = opt.param_groups[0]
        line += " m %.17g" % (g["betas"][0] if "betas" in g else g["momentum"])
    return line


# Scheduler attributes that are not numbers ctorch keeps: flags, mode strings, callables,
# OneCycleLR's phase table, ReduceLROnPlateau's mode_worse (the initial best).
NOT_NUMERIC = {"verbose", "_get_lr_called_within_step", "mode", "threshold_mode", "mode_worse", "anneal_func",
               "_schedule_phases", "cycle_momentum", "use_beta1", "lr_lambdas"}


def state_lines(sd, prefix=""):
    """ "state <key> <values>" for each numeric entry of a scheduler state dict."""
    lines = []
    for key, v in sd.items():
        if key in NOT_NUMERIC:
            continue
        if key == "_schedulers":
            for i, child in enumerate(v):
                lines += state_lines(child, f"{prefix}_schedulers.{i}.")
            continue
        if hasattr(v, "elements"):  # MultiStepLR's Counter
            v = sorted(v.elements())
        vals = v if isinstance(v, list) else [v]
        lines.append(f"state {prefix}{key} " + ",".join("%.17g" % x for x in vals))
    return lines


def sorted_state(lines):
    """The state lines sorted by key (a dict's order is its attributes' creation order)."""
    state = sorted(x for x in lines if x.startswith("state "))
    return [x for x in lines if not x.startswith("state ")] + state


def torch_answer(case):
    params = [torch.zeros(2, requires_grad=True) for _ in case["lrs"]]
    groups = [{"params": [p], "lr": lr} for p, lr in zip(params, case["lrs"])]
    opt = torch.optim.SGD(groups, lr=case["lrs"][0], momentum=0.9) if case["opt"] == "sgd" else \
        torch.optim.Adam(groups, lr=case["lrs"][0])
    try:
        sched = make(case, opt)
    except ValueError as e:
        return [f"ERR {e}"]
    momentum = case["name"] == "onecycle"
    lines = [lr_line(sched, opt, momentum)]
    a = case["args"]
    for k in range(case["steps"]):
        for g, p in enumerate(params):
            p.grad = torch.full((2,), 0.5 + g)
        opt.step()
        try:
            if "metrics" in a:
                sched.step(a["metrics"][k])
            elif "epochs" in a:
                sched.step(a["epochs"][k])
            else:
                sched.step()
        except ValueError as e:
            lines.append(f"ERR {e}")
            break
        lines.append(lr_line(sched, opt, momentum))
    return lines + ["p" + values(p, BITS) for p in params] + state_lines(sched.state_dict())


def c_line(case):
    def text(v):
        return ",".join(repr(float(x)) for x in v) if isinstance(v, list) else repr(float(v))
    args = " ".join(f"{k}={text(v)}" for k, v in case["args"].items())
    return f"{case['name']} {case['opt']} {case['steps']} {text(case['lrs'])} {args}".rstrip()


rng = random.Random(77)


def random_case(name):
    lrs = [rng.choice([0.1, 0.05, 1.0, 3e-4, 0.7]) for _ in range(rng.choice([1, 1, 2, 3]))]
    steps = rng.choice([10, 50, 120, 300])
    a = {}
    if name == "step":
        a = {"step_size": rng.choice([1, 3, 7, 30]), "gamma": rng.choice([0.1, 0.5, 0.9, 0.33])}
    elif name == "multistep":
        a = {"milestones": sorted(rng.sample(range(1, 60), 4)) + [rng.randint(1, 60)], "gamma": rng.choice([0.1, 0.5, 0.7])}
    elif name == "exponential":
        a = {"gamma": rng.choice([0.9, 0.99, 0.5, 0.333])}
    elif name == "cosine":
        a = {"T_max": rng.choice([1, 5, 10, 37, 100]), "eta_min": rng.choice([0.0, 1e-4, 0.01])}
    elif name == "warm":
        a = {"T_0": rng.choice([1, 3, 10]), "T_mult": rng.choice([1, 2, 3]), "eta_min": rng.choice([0.0, 1e-3])}
        if rng.random() < 0.4:
            e, epochs = 0.0, []
            for _ in range(steps):
                e += rng.choice([0.1, 0.25, 0.5, 1.0, 0.37])
                epochs.append(e)
            a["epochs"] = epochs
    elif name == "linear":
        a = {"start_factor": rng.choice([1 / 3, 0.1, 0.5, 1.0]), "end_factor": rng.choice([1.0, 0.5, 0.05]),
             "total_iters": rng.choice([1, 5, 20, 100])}
    elif name == "onecycle":
        total = rng.choice([57, 100, 300])
        steps = min(steps, total - 1)
        a = {"max_lr": rng.choice([0.1, 1.0, 0.01]), "total_steps": total, "pct_start": rng.choice([0.3, 0.25, 0.5, 0.1]),
             "linear": rng.choice([0, 1]), "three_phase": rng.choice([0, 1]), "cycle_momentum": rng.choice([1, 1, 0]),
             "div_factor": rng.choice([25.0, 10.0]), "final_div_factor": rng.choice([1e4, 100.0])}
    elif name == "plateau":
        a = {"mode_max": rng.choice([0, 1]), "factor": rng.choice([0.1, 0.5, 0.9]), "patience": rng.choice([0, 2, 5, 10]),
             "threshold": rng.choice([1e-4, 0.01, 0.1]), "threshold_abs": rng.choice([0, 1]),
             "cooldown": rng.choice([0, 3]), "min_lr": rng.choice([0.0, 1e-3]), "eps": rng.choice([1e-8, 1e-3])}
        level, metrics = 1.0, []
        for _ in range(steps):
            level *= rng.choice([0.999, 0.99, 1.0, 1.01, 0.9])
            metrics.append(level)
        a["metrics"] = metrics
    elif name == "sequential":
        m1 = rng.randint(1, 20)
        a = {"start_factor": rng.choice([0.1, 0.5]), "total_iters": rng.choice([3, 5, 10]), "T_max": rng.choice([5, 10, 30]),
             "eta_min": rng.choice([0.0, 1e-3]), "gamma": rng.choice([0.9, 0.95]), "milestones": [m1, m1 + rng.randint(1, 40)]}
    if name in ("lambda", "multiplicative") and rng.random() < 0.5:
        a["per_group"] = 1
    if name == "onecycle" and rng.random() < 0.4:
        a["max_lrs"] = [rng.choice([0.1, 1.0, 0.01, 0.3]) for _ in lrs]
    if name == "plateau" and rng.random() < 0.4:
        a["min_lrs"] = [rng.choice([0.0, 1e-3, 0.02]) for _ in lrs]
    if name not in ("warm", "plateau", "sequential", "onecycle") and rng.random() < 0.25:
        # step(epoch): the closed form where the kind has one, else get_lr at that epoch
        a["epochs"] = [rng.randint(0, 60) for _ in range(steps)]
    return {"name": name, "opt": rng.choice(["sgd", "adam"]), "steps": steps, "lrs": lrs, "args": a}


def error_cases():
    out = []
    for name, a in [("warm", {"T_0": 0, "T_mult": 1, "eta_min": 0.0}), ("warm", {"T_0": 5, "T_mult": 0, "eta_min": 0.0}),
                    ("linear", {"start_factor": 1.5, "end_factor": 1.0, "total_iters": 5}),
                    ("linear", {"start_factor": 0.5, "end_factor": -1.0, "total_iters": 5}),
                    ("plateau", {"mode_max": 0, "factor": 1.0, "patience": 1, "threshold": 1e-4, "threshold_abs": 0,
                                 "cooldown": 0, "min_lr": 0.0, "eps": 1e-8, "metrics": [1.0]}),
                    ("onecycle", {"max_lr": 0.1, "total_steps": 10, "pct_start": 1.5, "linear": 0, "three_phase": 0,
                                  "cycle_momentum": 1, "div_factor": 25.0, "final_div_factor": 1e4})]:
        out.append({"name": name, "opt": "sgd", "steps": 1, "lrs": [0.1], "args": a})
    out.append({"name": "plateau", "opt": "sgd", "steps": 1, "lrs": [0.1, 0.2],
                "args": {"mode_max": 0, "factor": 0.5, "patience": 1, "threshold": 1e-4, "threshold_abs": 0,
                         "cooldown": 0, "min_lr": 0.0, "eps": 1e-8, "metrics": [1.0], "min_lrs": [0.1]}})
    out.append({"name": "onecycle", "opt": "sgd", "steps": 1, "lrs": [0.1],
                "args": {"max_lr": 0.1, "total_steps": 10, "pct_start": 0.3, "linear": 0, "three_phase": 0,
                         "cycle_momentum": 1, "div_factor": 25.0, "final_div_factor": 1e4, "max_lrs": [0.1, 0.2]}})
    # stepping OneCycleLR past its total
    out.append({"name": "onecycle", "opt": "adam", "steps": 12, "lrs": [0.1],
                "args": {"max_lr": 0.1, "total_steps": 10, "pct_start": 0.3, "linear": 0, "three_phase": 0,
                         "cycle_momentum": 1, "div_factor": 25.0, "final_div_factor": 1e4}})
    return out


def main():
    binary = sys.argv[1]
    cases = []
    for name in ("step", "multistep", "exponential", "cosine", "warm", "linear", "lambda", "multiplicative",
                 "onecycle", "plateau", "sequential"):
        cases += [random_case(name) for _ in range(30)]
    cases += error_cases()
    answers = run_c(binary, [c_line(c) for c in cases])
    chk = Checker("oracle_lr_scheduler")
    for case, got in zip(cases, answers):
        want = sorted_state(torch_answer(case))
        got_lines = sorted_state(got.rstrip("\n").split("\n"))
        desc = f"{case['name']} {case['opt']} lrs={case['lrs']} {dict((k, v) for k, v in case['args'].items() if k not in ('metrics', 'epochs'))}"
        chk.check(got_lines == want, desc if got_lines == want else f"{desc}: {first_difference(got_lines, want)}")
    chk.finish()


if __name__ == "__main__":
    main()
