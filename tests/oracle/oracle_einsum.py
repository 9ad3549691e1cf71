"""torch.einsum against PyTorch: explicit and implicit outputs, contractions over one or
more labels, outer products, repeated labels (diagonals), ellipsis with broadcasting,
size-1 broadcasting, and PyTorch's errors.

Case line: einsum E:<equation> <op inputs> (the equation has no spaces). Both sides print
dtype, shape and values, then the input gradients of sum(out * w); errors print
PyTorch's message. grad_fn names are not compared: ctorch builds einsum from other ops.
Values and gradients agree to a few ulps of the largest magnitude involved (sums run in
another order), float64 cases also against central finite differences.
"""
import os
import random
import string
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from op_cases import check_all, shuffled_spec, torch_answer  # noqa: E402


def make_spec(rng, shape, dt):
    return shuffled_spec(rng, shape, dt, lambda: rng.uniform(-2, 2), rng.random() < 0.9, shuffle_p=0.4)


def gen_case(rng):
    letters = rng.sample("ijklmnpqrsIJ", rng.randint(1, 5))
    size = {c: rng.randint(1, 4) for c in letters}
    n_ops = rng.choice([1, 2, 2, 2, 3])
    ell = rng.random() < 0.2
    ell_shape = [rng.randint(1, 3) for _ in range(rng.randint(0, 2))]
    terms, shapes = [], []
    for _ in range(n_ops):
        k = rng.randint(0, min(4, len(letters)))
        labs = rng.sample(letters, k)
        if labs and rng.random() < 0.12:
            labs.append(labs[0])  # a diagonal
        rng.shuffle(labs)
        shape = [size[c] if rng.random() > 0.1 else 1 for c in labs]
        for i, c in enumerate(labs):  # a repeated label has one size in its operand
            shape[i] = shape[labs.index(c)]
        term = "".join(labs)
        if ell:
            pos = rng.randint(0, len(labs))
            own = ell_shape[rng.randint(0, len(ell_shape)):] if ell_shape else []
            own = [1 if rng.random() < 0.2 else s for s in own]
            term = term[:pos] + "..." + term[pos:]
            shape = shape[:pos] + own + shape[pos:]
        terms.append(term)
        shapes.append(shape)
    eq = ",".join(terms)
    if rng.random() < 0.7:
        used = sorted(set("".join(t.replace(".", "") for t in terms)))
        out = rng.sample(used, rng.randint(0, len(used)))
        if ell and rng.random() < 0.7:
            out.insert(rng.randint(0, len(out)), "...")
        eq += "->" + "".join(out)
    r = rng.random()
    if r < 0.02:
        eq = eq.replace(",", "", 1) if "," in eq else eq + ",i"
    elif r < 0.04 and shapes[0]:
        shapes[0] = shapes[0] + [2]
    elif r < 0.05:
        eq = eq + ("z" if "->" in eq else "->z")
    elif r < 0.06:
        eq = "i#j" + eq[1:] if eq else eq
    elif r < 0.07 and "->" in eq:
        eq += eq[-1] if eq[-1] in string.ascii_letters else ""
    elif r < 0.09 and shapes[0]:
        shapes[0][0] += 5  # sizes of a label disagree
    dt = rng.choice(["float32", "float64", "float64"])
    return eq, [make_spec(rng, s, dt) for s in shapes]


def run_torch(eq, specs, rng):
    # E: keeps an empty equation a token
    return torch_answer(f"einsum E:{eq} ", specs, lambda ts: torch.einsum(eq, *ts), rng, graph_depth=0)


def close_all(got, want, eps):
    """Each value within 16 eps * (the largest |value|, at least 1) of PyTorch's."""
    scale = max([abs(v) for v in want] + [1.0])
    return all(abs(a - b) <= eps * scale * 16 for a, b in zip(got, want))


def main():
    rng = random.Random(20261209)
    lines, expected = [], []
    for _ in range(500):
        eq, specs = gen_case(rng)
        line, want = run_torch(eq, specs, rng)
        lines.append(line)
        expected.append(want)
    eps = {"float32": 2.0 ** -23, "float64": 2.0 ** -52}
    check_all("einsum", sys.argv[1], lines, expected, lambda a, b, dt: close_all(a, b, eps[dt]), same_fn=False)


if __name__ == "__main__":
    main()
