"""Shared driver pieces of the op oracles that compare to a tolerance (oracle_shape_ops,
oracle_scatter, oracle_einsum): inputs laid out at random, PyTorch's answer to one op
case (forward, then the gradients of sum(out * w)), and the comparison of all answers.
"""
import torch

from harness import (Checker, close, compare_op_answer, error_text, gradient_answer, laid_out, op_inputs, parse_op_answer,
                     random_arrangement, result_answer, run_c)


def shuffled_spec(rng, shape, dt, values, requires_grad=False, shuffle_p=0.5):
    """A Strided over values(); with probability shuffle_p its dims are permuted in
    memory, some stepped by 2, behind an offset (harness.random_arrangement)."""
    order, steps, offset = random_arrangement(rng, len(shape), shuffle_p)
    return laid_out(dt, shape, values, order, steps, offset, requires_grad)


def torch_answer(head, specs, compute, rng, graph_depth=1, fd_ok=lambda out: True):
    """(case line, PyTorch's answer) for the op compute(tensors) on specs. A backward
    error is part of the answer ("bwerr"); float64 results are also checked by the C side
    against central differences unless fd_ok(out) says PyTorch's gradient is not the
    derivative."""
    ts = [s.view() for s in specs]
    try:
        out = compute(ts)
    except (RuntimeError, IndexError, ValueError) as ex:
        return head + op_inputs(specs), f"err {error_text(ex)}\n"
    text = result_answer(out, graph_depth=graph_depth)
    if not out.requires_grad:
        return head + op_inputs(specs), text
    w = torch.tensor([rng.uniform(-2, 2) for _ in range(out.numel())], dtype=out.dtype).reshape(out.shape)
    fd = out.dtype == torch.float64 and fd_ok(out)
    line = head + op_inputs(specs, w, fd)
    try:
        out.backward(w)
    except RuntimeError as ex:
        return line, text + f"bwerr {error_text(ex)}\n"
    return line, text + gradient_answer(specs, ts) + ("fd ok\n" if fd else "")


def run_generators(rng, generators, run_torch):
    """Case lines and PyTorch's answers: each (generator, count) makes count cases
    (op, args, specs) that run_torch(op, args, specs, rng) answers."""
    lines, expected = [], []
    for gen, count in generators:
        for _ in range(count):
            op, args, specs = gen(rng)
            line, want = run_torch(op, args, specs, rng)
            lines.append(line)
            expected.append(want)
    return lines, expected


def within_ulps(tolerances):
    """close_values for check_all: |a - b| <= tol * (|b| + 1), tol by dtype (0: exact)."""
    return lambda a, b, dt: all(close(x, y, tolerances.get(dt, 0.0), tolerances.get(dt, 0.0)) for x, y in zip(a, b))


def check_all(name, binary, lines, expected, close_values, same_fn=True, show=30):
    """Runs the C program on lines and compares each answer with PyTorch's: errors and
    backward errors exactly, dtype/shape/grad_fn exactly (grad_fn not when same_fn is
    false), values and gradients with close_values(got, want, dtype). Exits with the
    verdict."""
    got = run_c(binary, lines)
    chk = Checker(name, show=show)
    for line, g, w in zip(lines, got, expected):
        want, have = parse_op_answer(w), parse_op_answer(g)
        want["g"] = {i: None if v is None else (v, v) for i, v in want["g"].items()}
        if not same_fn and "fn" in have:
            want["fn"] = have["fn"]
        dt = want.get("dt")
        if "bwerr" in w:
            ok = None if g == w else "backward error differs"
        else:
            ok = compare_op_answer(have, want, lambda a, b, m: a is not None and len(a) == len(b) and close_values(a, b, dt))
        chk.check(ok is None, f"{ok}: {line[:300]}\n  got:  {g[:600]!r}\n  want: {w[:600]!r}")
    print(f"({sum(w.startswith('err') for w in expected)} of the cases are errors, "
          f"{sum('bwerr' in w for w in expected)} fail in backward)")
    chk.finish()
