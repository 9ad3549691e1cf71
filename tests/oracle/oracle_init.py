"""nn.init parity: every init function and the nn.Linear / nn.Embedding reset recipes against
torch.nn.init, torch.nn.Linear and torch.nn.Embedding after the same manual_seed, bit for bit.

Covers: Linear (many in/out sizes, with and without bias, float32 and float64, zero-sized,
sequences of layers as in the seed MLP and the word-window demo), Embedding (with and without
padding_idx, negative padding_idx, both randn paths), uniform_ / normal_ / constant_ /
zeros_ / ones_ / xavier_* / kaiming_* (modes, nonlinearities, slopes, conv-shaped tensors,
zero-element tensors) on leaves that require grad (the result must stay a leaf requiring
grad), calculate_gain, the fan computation, and the error messages.
"""
import os
import random
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
from harness import BITS, Checker, bits, parse_shape_list, run_c, torch_dtype, values  # noqa: E402

SEEDS = [0, 1, 42, 2**32 + 5, 2**40 + 7]


def torch_run(cmd):
    tok = cmd.split()
    op = tok[0]
    if op == "seed":
        torch.manual_seed(int(tok[1]))
        return "ok\n"
    if op == "linear":
        layer = torch.nn.Linear(int(tok[1]), int(tok[2]), bias=tok[3] == "1", dtype=torch_dtype(tok[4]))
        out = "w" + values(layer.weight, BITS)
        if layer.bias is not None:
            out += " b" + values(layer.bias, BITS)
        return out + "\n"
    if op == "embedding":
        pad = None if tok[3] == "none" else int(tok[3])
        layer = torch.nn.Embedding(int(tok[1]), int(tok[2]), padding_idx=pad, dtype=torch_dtype(tok[4]))
        return "w" + values(layer.weight, BITS) + "\n"
    if op == "gain":
        g = float(torch.nn.init.calculate_gain(tok[1], None if tok[2] == "none" else float(tok[2])))
        return bits(g, "float64") + "\n"
    if op == "fan":
        fi, fo = torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(parse_shape_list(tok[1])))
        return f"{fi} {fo}\n"
    nargs = {"zeros": 0, "ones": 0, "constant": 1, "xavier_uniform": 1, "xavier_normal": 1,
             "kaiming_uniform": 3, "kaiming_normal": 3, "uniform": 2, "normal": 2}[op]
    args = tok[1:1 + nargs]
    t = torch.zeros(parse_shape_list(tok[nargs + 2]), dtype=torch_dtype(tok[nargs + 1]),
                    requires_grad=tok[nargs + 3] == "1")
    init = torch.nn.init
    if op in ("uniform", "normal"):
        r = getattr(init, op + "_")(t, float(args[0]), float(args[1]))
    elif op == "constant":
        r = init.constant_(t, float(args[0]))
    elif op in ("zeros", "ones"):
        r = getattr(init, op + "_")(t)
    elif op.startswith("xavier"):
        r = getattr(init, op + "_")(t, gain=float(args[0]))
    else:
        kw = {"a": float(args[0])}
        if args[1] != "-":
            kw["mode"] = args[1]
        if args[2] != "-":
            kw["nonlinearity"] = args[2]
        r = getattr(init, op + "_")(t, **kw)
    return f"{'same' if r is t else 'other'}{values(r, BITS)} rg={int(r.requires_grad)} leaf={int(r.is_leaf)}\n"


def torch_side(case):
    out = []
    for cmd in case.split(";"):
        try:
            out.append(torch_run(cmd.strip()))
        except (RuntimeError, ValueError, AssertionError, ZeroDivisionError) as e:
            out.append("ERR " + str(e).split("\n")[0] + "\n")
    return "".join(out)


def cases(rng):
    out = []
    add = out.append
    linear_sizes = [(4, 2), (3, 5), (10, 7), (784, 128), (128, 10), (5, 3), (125, 25), (25, 1), (1, 1),
                    (7, 16), (2, 9), (16, 16), (0, 3), (3, 0), (512, 10)]
    for seed in SEEDS:
        for i, o in linear_sizes:
            dt = rng.choice(["f32", "f32", "f64"])
            add(f"seed {seed} ; linear {i} {o} {rng.choice([0, 1, 1])} {dt} ; linear {o} {i} 1 {dt}")
    for i in range(1, 60, 7):
        add(f"seed {i} ; linear {i} {rng.randint(1, 9)} 1 f32")
    # The seed MLP and the word-window demo build their layers in this order.
    add("seed 0 ; linear 5 3 1 f32 ; linear 3 5 1 f32")
    add("seed 0 ; embedding 27 25 0 f32 ; linear 125 25 1 f32 ; linear 25 1 1 f32")
    for seed in SEEDS:
        for num, dim, pad in [(10, 3, "none"), (10, 3, "0"), (7, 2, "4"), (100, 16, "1"), (3, 5, "-1"),
                              (1, 1, "none"), (4, 4, "none"), (2, 7, "-2"), (5, 3, "2"), (13, 1, "12")]:
            add(f"seed {seed} ; embedding {num} {dim} {pad} {rng.choice(['f32', 'f64'])} ; embedding 2 3 none f32")
    add("embedding 5 3 5 f32 ; embedding 5 3 -6 f32")
    shapes = ["3,4", "2,3,4,5", "16,8", "1,20", "8,3,3", "0,4", "5,1"]
    for shape in shapes:
        for dt in ("f32", "f64"):
            seed = rng.choice(SEEDS)
            rg = rng.choice([0, 1])
            add(f"seed {seed} ; uniform -0.1 0.3 {dt} {shape} {rg} ; normal 0.5 0.02 {dt} {shape} {rg}")
            add(f"seed {seed} ; constant 0.25 {dt} {shape} {rg} ; zeros {dt} {shape} {rg} ; ones {dt} {shape} {rg}")
            add(f"seed {seed} ; xavier_uniform 1 {dt} {shape} {rg} ; xavier_normal 1.6666666666666667 {dt} {shape} {rg}")
            for a, mode, nonlin in [(0, "-", "-"), (2.23606797749979, "fan_in", "leaky_relu"), (0, "fan_out", "relu"),
                                    (0.2, "FAN_OUT", "leaky_relu"), (0, "fan_in", "tanh"), (0, "-", "selu"),
                                    (0, "fan_in", "linear"), (0, "fan_out", "sigmoid"), (0, "-", "conv2d")]:
                op = rng.choice(["kaiming_uniform", "kaiming_normal"])
                add(f"seed {seed} ; {op} {a} {mode} {nonlin} {dt} {shape} {rg}")
    # Errors.
    add("kaiming_uniform 0 - - f32 5 1 ; kaiming_normal 0 fan_avg - f32 3,4 1 ; kaiming_uniform 0 - bogus f32 3,4 1")
    add("xavier_uniform 1 f32 0,0 0 ; xavier_normal 1 f32 7 0 ; kaiming_uniform 0 - - f32 0 1 ; xavier_uniform 1 f32 s 0")
    # Gains and fans.
    for nonlin in ["linear", "conv1d", "conv3d", "conv_transpose2d", "sigmoid", "tanh", "relu", "selu"]:
        add(f"gain {nonlin} none")
    for param in ["none", "0", "0.2", "2.23606797749979", "-1", "100"]:
        add(f"gain leaky_relu {param}")
    add("gain bogus none ; gain Relu none")
    for shape in ["3,4", "2,3,4,5", "1,1", "0,4", "4,0,3", "5", "s", "6,2,1,1,3"]:
        add(f"fan {shape}")
    return out


def main():
    warnings.simplefilter("ignore")
    rng = random.Random(4321)
    case_list = cases(rng)
    got = run_c(sys.argv[1], case_list)
    checker = Checker("init")
    for case, answer in zip(case_list, got):
        torch.manual_seed(0)
        checker.equal(answer, torch_side(case), case)
    checker.finish()


if __name__ == "__main__":
    main()
