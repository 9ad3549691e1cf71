"""multinomial and normal with tensor mean/std against PyTorch, draw for draw.

Each case seeds a generator (the default one, or a torch.Generator / ct_generator of its
own), samples, then draws rand(3) from the same generator: the samples and those three
values must be PyTorch's bits exactly, so the generator ended in PyTorch's state.
multinomial: 1-D and 2-D float32/float64 weights (some non-contiguous, some zero),
with and without replacement, one or many samples, and PyTorch's errors. normal: tensor
mean and/or std, broadcast shapes, sizes on both sides of PyTorch's 16-element
vectorised path; grad_fn NormalBackward1/2/3 with zero gradients.

Case line: op seed gen n_sample replacement <op inputs> (gen 1: a generator of its own).
"""
import os
import random
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checker, error_text, gradient_answer, laid_out, op_inputs, rand_shape, result_answer, run_c, values  # noqa: E402


def make_spec(rng, shape, dt, value, requires_grad=False):
    nd = len(shape)
    order, steps, offset = list(range(nd)), [1] * nd, 0
    if nd > 0 and rng.random() < 0.3:
        rng.shuffle(order)
        steps = [rng.choice([1, 2]) for _ in range(nd)]
        offset = rng.randrange(0, 3)
    return laid_out(dt, shape, value, order, steps, offset, requires_grad)


def torch_op(op, n, repl, ts, g):
    if op == "multinomial":
        return torch.multinomial(ts[0], n, bool(repl), generator=g)
    if op == "normal_tt":
        return torch.normal(ts[0], ts[1], generator=g)
    if op == "normal_tf":
        return torch.normal(ts[0], n / 4.0, generator=g)
    if op == "normal_ft":
        return torch.normal(n / 4.0, ts[0], generator=g)
    raise ValueError(op)


def run_torch(op, seed, gen, n, repl, specs, rng):
    ts = [s.view() for s in specs]
    g = torch.Generator().manual_seed(seed) if gen else None
    if not gen:
        torch.manual_seed(seed)
    head = f"{op} {seed} {gen} {n} {repl} "
    try:
        out = torch_op(op, n, repl, ts, g)
    except (RuntimeError, IndexError, ValueError) as ex:
        return head + op_inputs(specs), f"err {error_text(ex)}\n"
    text = result_answer(out, graph_depth=1)
    text += f"after{values(torch.rand(3, generator=g))}\n"
    if not out.requires_grad:
        return head + op_inputs(specs), text
    w = torch.ones_like(out)
    out.backward(w)
    return head + op_inputs(specs, w, False), text + gradient_answer(specs, ts)


def gen_multinomial(rng):
    nd = rng.choice([1, 2])
    n_cat = rng.randint(1, 40)
    shape = [n_cat] if nd == 1 else [rng.randint(0, 4), n_cat]
    dt = rng.choice(["float32", "float64"])
    zero_p = rng.choice([0.0, 0.0, 0.3])

    def weight():
        return 0.0 if rng.random() < zero_p else rng.uniform(0.01, 3.0)
    spec = make_spec(rng, shape, dt, weight)
    repl = rng.randint(0, 1)
    n = rng.choice([1, 1, 2, 3, 5, n_cat, 50])
    if not repl and zero_p:  # ties among zero weights: PyTorch's order is unspecified
        n = 1
    r = rng.random()
    if r < 0.03:
        spec.buf[0] = rng.choice([-1.0, float("inf"), float("nan")])
    elif r < 0.05:
        spec = make_spec(rng, shape, dt, lambda: 0.0)
    elif r < 0.06:
        n = rng.choice([0, -1])
    elif r < 0.07:
        spec = make_spec(rng, [2, 2, 2], dt, weight)
    elif r < 0.08:
        spec = make_spec(rng, shape, "int64", lambda: 1)
    elif r < 0.09:
        n, repl = n_cat + 1, 0
    return "multinomial", n, repl, [spec]


def gen_normal(rng):
    op = rng.choice(["normal_tt", "normal_tf", "normal_ft"])
    big = rng.random() < 0.5
    shape = [rng.randint(16, 40)] if big else rand_shape(rng, 0, 3)
    if big and rng.random() < 0.5:
        shape = [rng.randint(2, 5), rng.randint(4, 10)]
    dt = rng.choice(["float32", "float64"])
    mean = make_spec(rng, shape, dt, lambda: rng.uniform(-3, 3), requires_grad=rng.random() < 0.7)
    std_shape = shape[rng.randint(0, len(shape)):] if rng.random() < 0.3 else shape
    std = make_spec(rng, std_shape, dt, lambda: rng.uniform(0, 2), requires_grad=rng.random() < 0.7)
    if rng.random() < 0.04 and std.buf:
        std.buf[0] = -1.0
    n = rng.choice([0, 1, 4, 7]) if rng.random() > 0.03 else -2
    if op == "normal_tt":
        return op, n, 0, [mean, std]
    return op, n, 0, [mean if op == "normal_tf" else std]


def main():
    rng = random.Random(20261210)
    lines, expected = [], []
    for gen, count in [(gen_multinomial, 260), (gen_normal, 160)]:
        for _ in range(count):
            op, n, repl, specs = gen(rng)
            line, want = run_torch(op, rng.randint(0, 2**40), rng.randint(0, 1), n, repl, specs, rng)
            lines.append(line)
            expected.append(want)
    got = run_c(sys.argv[1], lines)
    chk = Checker("sampling", show=20)
    for line, g, w in zip(lines, got, expected):
        chk.equal(g, w, line[:300])
    print(f"({sum(w.startswith('err') for w in expected)} of the cases are errors)")
    chk.finish()


if __name__ == "__main__":
    main()
