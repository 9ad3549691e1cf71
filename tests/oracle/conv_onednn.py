"""Float32 convolutions in oneDNN's order (for oracle_conv.py): where PyTorch runs
oneDNN and the geometry is one whose order ctorch follows (docs/DESIGN.md, "Convolutions
in oneDNN's order": 2-D, groups 1, stride 1, dilation 1, kernels of at least 2 x 2,
padding at most half the kernel size less one), ctorch's forward, input, weight and bias gradients
equal PyTorch's bit for bit when PyTorch runs on one thread (oneDNN's weight gradient
sums per thread otherwise). The cases: the digits example's two convolutions (batches
of 32 and the last 28, the test set's 297), the bench's Conv2d(16, 32, 3) on a smaller
batch, and random shapes of that kind, more than 16 channels included (oneDNN's blocks).
"""
import os

import torch

from harness import compare_op_answer, parse_op_answer, run_c


def onednn_geometry(x_shape, w_shape, o):
    """Whether ctorch follows oneDNN's order for a contiguous conv2d of these shapes."""
    kh, kw = w_shape[2:]
    return (len(x_shape) == 4 and o.groups == 1 and o.stride == [1, 1] and o.dilation == [1, 1] and kh >= 2 and
            kw >= 2 and o.mode == "explicit" and 2 * o.padding[0] < kh and 2 * o.padding[1] < kw)


def cases(rng, conv):
    """(label, case) pairs; conv is the oracle_conv module (make, opts, Case)."""
    make, opts, Case = conv.make, conv.opts, conv.Case
    fixed = [("digits conv1", (32, 1, 8, 8), (8, 1, 3, 3), 1), ("digits conv2", (32, 8, 4, 4), (16, 8, 3, 3), 1),
             ("digits conv1, last batch", (28, 1, 8, 8), (8, 1, 3, 3), 1),
             ("digits conv2, last batch", (28, 8, 4, 4), (16, 8, 3, 3), 1),
             ("digits conv1, test set", (297, 1, 8, 8), (8, 1, 3, 3), 1),
             ("bench conv2d_step, batch 2", (2, 16, 32, 32), (32, 16, 3, 3), 1)]
    out = []
    for label, xs, ws, pad in fixed:
        grad = "test set" not in label
        specs = [make(rng, list(xs), "float32", grad), make(rng, list(ws), "float32", grad),
                 make(rng, [ws[0]], "float32", grad)]
        out.append((label, Case("conv2d", specs, opts("conv2d", padding=pad))))
    while len(out) < len(fixed) + 40:
        n, c, o = rng.randint(2, 5), rng.choice([1, 2, 3, 8, 16, 17, 24, 33]), rng.choice([1, 5, 8, 16, 20, 32, 40])
        k = [rng.randint(2, 5), rng.randint(2, 5)]
        p = [rng.randint(0, (kk - 1) // 2) for kk in k]
        size = [max(1, kk - 2 * pp) + rng.randint(0, 9) for kk, pp in zip(k, p)]
        specs = [make(rng, [n, c] + size, "float32", True), make(rng, [o, c] + k, "float32", True)]
        if rng.random() < 0.8:
            specs.append(make(rng, [o], "float32", True))
        out.append((f"random {n}x{c}x{size} -> {o}, kernel {k}, padding {p}",
                    Case("conv2d", specs, opts("conv2d", padding=p))))
    return out


def check(binary, rng, checker, conv):
    """Runs the cases on one thread on both sides and requires identical bits."""
    threads, failed = torch.get_num_threads(), checker.failed
    torch.set_num_threads(1)
    os.environ["OMP_NUM_THREADS"] = "1"
    labelled = [(label, case) for label, case in cases(rng, conv)
                if onednn_geometry(case.specs[0].shape, case.specs[1].shape, case.o)]
    lines, wants = [], []
    for label, case in labelled:
        checker.check(conv.backend_of(case) == "Mkldnn", f"{label}: PyTorch does not run oneDNN here")
        line, want = conv.run_torch(case, rng)
        lines.append(line)
        wants.append(want)
    elements = 0
    for (label, _), line, want, text in zip(labelled, lines, wants, run_c(binary, lines)):
        got = parse_op_answer(text)
        reason = compare_op_answer(got, want, lambda g, w, m: g == w)
        checker.check(reason is None, f"[oneDNN order] {label}: {reason}\n--- ctorch:\n{text[:1500]}")
        elements += len(want.get("v", [])) + sum(len(v[0]) for v in want.get("g", {}).values() if v)
    print(f"oneDNN order: {len(labelled)} float32 cases, {elements} result and gradient elements bit-identical "
          "to PyTorch's on one thread" if checker.failed == failed else "oneDNN order: failures above")
    torch.set_num_threads(threads)
