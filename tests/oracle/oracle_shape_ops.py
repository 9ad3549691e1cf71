"""Shape ops against PyTorch: repeat, tile, repeat_interleave (int and tensor counts),
split (one size or a list), chunk, unbind, flip, roll, tril, triu.

Case line: op groups <op inputs>. groups is one token of '|'-separated groups of
comma-separated integers ("_" for an empty group, "N" for dim=None), the op's own
arguments; op inputs as harness.op_inputs. For split/chunk/unbind the last group picks
which output is compared. Both sides print dtype, shape, grad_fn graph and values, then
the input gradients of sum(out * w); errors print PyTorch's message. Forward values are
moves and must match exactly; gradients sum copies, so they are compared to a few ulps.
float64 cases are also checked against central finite differences ("fd ok").
"""
import os
import random
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import FLOATS, laid_out, rand_shape  # noqa: E402
from op_cases import check_all, run_generators, shuffled_spec, torch_answer, within_ulps  # noqa: E402

make_spec = shuffled_spec


def data_spec(rng, shape, dt=None):
    dt = dt or rng.choice(["float32", "float64", "float64", "int64", "bool"])
    values = (lambda: rng.uniform(-3, 3)) if dt in FLOATS else (lambda: rng.randint(-9, 9))
    if dt == "bool":
        values = lambda: rng.random() < 0.5  # noqa: E731
    return make_spec(rng, shape, dt, values, requires_grad=rng.random() < 0.85)


def enc(groups):
    return "|".join(",".join(str(v) for v in g) if g else "_" for g in groups)


def pick(result, k):
    return result[k] if isinstance(result, (tuple, list)) else result


def torch_op(op, g, ts):
    x = ts[0]
    if op == "repeat":
        return x.repeat(*g[0]) if g[0] else x.repeat(())
    if op == "tile":
        return torch.tile(x, tuple(g[0]))
    if op == "repeat_interleave":
        dim = None if g[1][0] == "N" else g[1][0]
        return x.repeat_interleave(g[0][0], dim=dim)
    if op == "repeat_interleave_tensor":
        dim = None if g[0][0] == "N" else g[0][0]
        return x.repeat_interleave(ts[1], dim=dim)
    if op == "split":
        return pick(x.split(g[0][0], g[1][0]), g[2][0])
    if op == "split_sizes":
        return pick(x.split(g[0], g[1][0]), g[2][0])
    if op == "chunk":
        return pick(x.chunk(g[0][0], g[1][0]), g[2][0])
    if op == "unbind":
        return pick(x.unbind(g[0][0]), g[1][0])
    if op == "flip":
        return x.flip(g[0])
    if op == "roll":
        return x.roll(tuple(g[0]), tuple(g[1])) if g[1] else x.roll(tuple(g[0]))
    if op == "tril":
        return x.tril(g[0][0])
    if op == "triu":
        return x.triu(g[0][0])
    raise ValueError(op)


def run_torch(op, groups, specs, rng):
    return torch_answer(f"{op} {enc(groups)} ", specs, lambda ts: torch_op(op, groups, ts), rng)


# ---- case generators -------------------------------------------------------------

def some_dim(rng, nd):
    return rng.randint(-nd, nd - 1) if nd else rng.choice([0, -1])


def gen_repeat(rng):
    xs = rand_shape(rng, 0, 3)
    reps = [rng.choice([1, 1, 2, 3, 0]) if rng.random() > 0.02 else -1 for _ in range(len(xs) + rng.randint(0, 2))]
    if rng.random() < 0.05 and xs:
        reps = reps[:len(xs) - 1]
    op = "tile" if rng.random() < 0.3 else "repeat"
    if op == "tile" and rng.random() < 0.5:
        reps = reps[rng.randint(0, len(reps)):]
    return op, [reps], [data_spec(rng, xs)]


def gen_repeat_interleave(rng):
    xs = rand_shape(rng, 0, 3)
    dim = "N" if rng.random() < 0.3 else some_dim(rng, len(xs))
    if rng.random() < 0.5:
        r = rng.choice([0, 1, 2, 3]) if rng.random() > 0.05 else -1
        return "repeat_interleave", [[r], [dim]], [data_spec(rng, xs)]
    n = (xs[dim] if dim != "N" and xs else max(1, len(xs) and torch.Size(xs).numel()))
    if dim == "N":
        n = torch.Size(xs).numel()
    count = rng.choice([n, n, 1, 0]) if rng.random() > 0.05 else n + 1
    rshape = [count] if rng.random() > 0.1 else []
    reps = laid_out(rng.choice(["int64", "int64", "int32"]), rshape,
                    lambda: rng.randint(0, 3) if rng.random() > 0.03 else -1)
    return "repeat_interleave_tensor", [[dim]], [data_spec(rng, xs), reps]


def gen_split(rng):
    xs = rand_shape(rng, 0, 3, smax=6)
    nd = len(xs)
    dim = some_dim(rng, nd)
    size = xs[dim] if xs else 0
    k = rng.randint(0, 6)
    r = rng.random()
    if r < 0.35:
        s = rng.choice([1, 2, 3, 4]) if rng.random() > 0.06 else rng.choice([0, -1])
        count = max(1, -(-size // s)) if s > 0 else 1
        return "split", [[s], [dim], [k % count]], [data_spec(rng, xs)]
    if r < 0.65:
        sizes, left = [], size
        while left > 0:
            sizes.append(rng.randint(0, left))
            left -= sizes[-1]
        if rng.random() < 0.2 or not sizes:
            sizes.append(0)
        if rng.random() < 0.06:
            sizes.append(rng.choice([1, -1]))
        count = max(1, len(sizes))
        return "split_sizes", [sizes, [dim], [k % count]], [data_spec(rng, xs)]
    if r < 0.85:
        c = rng.randint(1, 5) if rng.random() > 0.05 else 0
        count = len(torch.empty(xs).chunk(c, dim)) if c > 0 and xs else 1
        return "chunk", [[c], [dim], [k % count]], [data_spec(rng, xs)]
    if xs and xs[dim] == 0:
        xs[dim] = 2  # no outputs to compare
    count = xs[dim] if xs else 1
    return "unbind", [[dim], [k % count]], [data_spec(rng, xs)]


def gen_flip(rng):
    xs = rand_shape(rng, 0, 4)
    nd = len(xs)
    dims = rng.sample(range(-nd, nd), rng.randint(0, nd)) if nd else []
    dims = list({d % nd: d for d in dims}.values()) if nd else []
    if rng.random() < 0.05 and nd:
        dims = [0, 0]
    if rng.random() < 0.03:
        dims = [nd + 1]
    return "flip", [dims], [data_spec(rng, xs)]


def gen_roll(rng):
    xs = rand_shape(rng, 0, 4)
    nd = len(xs)
    if rng.random() < 0.3 or not nd:
        return "roll", [[rng.randint(-7, 7)], []], [data_spec(rng, xs)]
    n = rng.randint(1, nd)
    dims = [rng.randint(-nd, nd - 1) for _ in range(n)]
    shifts = [rng.randint(-9, 9) for _ in range(n + (rng.random() < 0.05))]
    return "roll", [shifts, dims], [data_spec(rng, xs)]


def gen_band(rng):
    xs = rand_shape(rng, 2, 4, smax=5)
    if rng.random() < 0.04:
        xs = rand_shape(rng, 0, 1)
    return rng.choice(["tril", "triu"]), [[rng.randint(-4, 4)]], [data_spec(rng, xs)]


GENERATORS = [(gen_repeat, 120), (gen_repeat_interleave, 100), (gen_split, 160), (gen_flip, 60),
              (gen_roll, 90), (gen_band, 80)]


def main():
    lines, expected = run_generators(random.Random(20261207), GENERATORS, run_torch)
    check_all("shape_ops", sys.argv[1], lines, expected, within_ulps({"float32": 2.0 ** -21, "float64": 2.0 ** -50}))


if __name__ == "__main__":
    main()
