"""Printing parity: ct_print / ct_repr against repr() of the same tensor in PyTorch.

Generates (seeded) random tensors over every dtype, ndim 0..4, empty shapes, values in
different magnitude regimes (integral floats, tiny, huge, mixed, values on the
int/fixed/scientific thresholds and on rounding edges, with nan/inf/-0.0 sprinkled in),
tensors above the summarisation threshold, wide rows that wrap, strided views,
requires_grad leaves, Parameters and op results with grad_fn. Values travel to the C
program exactly (hex floats). Also compares creation (ct_tensor_parse, ct_Tensor_parse,
zeros/ones/full/arange/linspace/eye) and torch.Size printing. Every comparison is exact.
"""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
from harness import DTYPES, Checker, run_c, value_tokens, values  # noqa: E402

# (the order drives rng.choice / rng.sample: keep it)
DTYPE_NAMES = ["float32", "float64", "int64", "int32", "bool"]
SPECIALS = [float("nan"), float("inf"), float("-inf"), -0.0, 0.0]
# Values on the mode thresholds and on 4-decimal rounding edges.
EDGE_VALUES = [1e-4, 1.0001e-4, 9.999e-5, 1e8, 1e8 + 1, 99999999.0, 1000.0, 999.9999, 0.001, 1.0, 2.0,
               2000.0, 2002.0, 0.5, 500.0, 600.0, 9.99995, 9.99994, 99.99995, 0.00005, 0.00015,
               0.12345, 0.12355, 1.5, 2.5, 0.25, 123456.78, 1e-5, 3.0, 1e5, 1e9]


def rand_float(rng, regime, dtype):
    big = 300 if dtype == "float64" else 37
    sign = rng.choice([-1, 1])
    if regime == "integral":
        r = rng.choice([1, 9, 99, 999, 10**4, 10**6, 10**8, 10**9])
        return float(rng.randint(-r, r))
    if regime == "unit":
        return rng.uniform(-10, 10)
    if regime == "small":
        return sign * rng.random() * 10 ** rng.uniform(-7, 0)
    if regime == "huge":
        return sign * 10 ** rng.uniform(3, rng.choice([9, 12, big]))
    if regime == "mixed":
        return sign * 10 ** rng.uniform(-9, 9)
    if regime == "tiny":
        return sign * 10 ** rng.uniform(-big, -5)
    if regime == "edge":
        return sign * rng.choice(EDGE_VALUES)
    if regime == "rounding":
        return sign * (rng.randint(0, 99) + rng.choice([0.99995, 0.00005, 0.49995, 0.99994999, 0.12345]))
    raise ValueError(regime)


FLOAT_REGIMES = ["integral", "unit", "small", "huge", "mixed", "tiny", "edge", "rounding"]


def rand_values(rng, dtype, n):
    if dtype == "bool":
        p = rng.random()
        return [rng.random() < p for _ in range(n)]
    if dtype in ("int32", "int64"):
        bits = rng.choice([1, 4, 10, 20, 31] + ([40, 62, 63] if dtype == "int64" else []))
        lo, hi = -(2**bits), 2**bits - 1
        if rng.random() < 0.3:
            lo = 0
        return [rng.randint(lo, hi) for _ in range(n)]
    regime = rng.choice(FLOAT_REGIMES)
    p_special = rng.choice([0, 0, 0.1, 0.3, 1.0])
    out = []
    for _ in range(n):
        if rng.random() < p_special:
            out.append(rng.choice(SPECIALS))
        elif rng.random() < 0.15:  # a second regime mixed in now and then
            out.append(rand_float(rng, rng.choice(FLOAT_REGIMES), dtype))
        else:
            out.append(rand_float(rng, regime, dtype))
    return out


def make_base(dtype, shape, values):
    return torch.tensor(values, dtype=DTYPES[dtype]).reshape(shape)


def apply_view(x, view):
    if view.startswith("perm:"):
        return x.permute(*[int(d) for d in view[5:].split(",")])
    if view.startswith("slice:"):
        dim, step = (int(a) for a in view[6:].split(","))
        return x[(slice(None),) * dim + (slice(None, None, step),)]
    return x


def apply_mode(x, mode):
    if mode == "rg":
        return x.requires_grad_()
    if mode == "param":
        return torch.nn.Parameter(x)
    if mode.startswith("op:"):
        x = x.requires_grad_()
        op = mode[3:]
        if op == "clone":
            return x.clone()
        if op == "unsqueeze0":
            return x.unsqueeze(0)
        if op == "transpose01":
            return x.transpose(0, 1)
        if op == "todouble":
            return x.double()
    return x


def tensor_case(rng, dtype, shape, view="none", mode="plain", values=None):
    n = 1
    for s in shape:
        n *= s
    if values is None:
        values = rand_values(rng, dtype, n)
    base = make_base(dtype, shape, values)
    # Send what torch stored (float32 rounding included), so both sides print the same bits.
    exact = base.reshape(-1).tolist()
    want = repr(apply_mode(apply_view(base, view), mode))
    line = "T %s %d %s %s %s %d %s" % (dtype, len(shape), " ".join(map(str, shape)), view, mode, n,
                                       " ".join(value_tokens(exact, dtype)))
    return line, want


def random_shape(rng):
    ndim = rng.choice([0, 1, 1, 2, 2, 2, 3, 3, 4])
    shape = [rng.randint(1, 6) for _ in range(ndim)]
    if ndim and rng.random() < 0.08:
        shape[rng.randrange(ndim)] = 0
    return shape


def random_view(rng, shape):
    r = rng.random()
    if len(shape) >= 2 and r < 0.15:
        perm = list(range(len(shape)))
        rng.shuffle(perm)
        return "perm:" + ",".join(map(str, perm))
    if len(shape) >= 1 and r < 0.25:
        return "slice:%d,%d" % (rng.randrange(len(shape)), rng.choice([2, 3]))
    return "none"


def random_mode(rng, dtype, shape):
    if dtype not in ("float32", "float64"):
        return "plain"
    r = rng.random()
    if r < 0.12:
        return "rg"
    if r < 0.2:
        return "param"
    if r < 0.3:
        ops = ["clone", "unsqueeze0"] + (["transpose01"] if len(shape) >= 2 else [])
        if dtype == "float32":
            ops.append("todouble")
        return "op:" + rng.choice(ops)
    return "plain"


def random_cases(rng, count):
    cases = []
    for _ in range(count):
        dtype = rng.choice(DTYPE_NAMES)
        shape = random_shape(rng)
        view = random_view(rng, shape)
        cases.append(tensor_case(rng, dtype, shape, view, random_mode(rng, dtype, shape)))
    return cases


# Above the 1000-element threshold (summarised), at it, and rows too wide for one line.
BIG_SHAPES = [[1001], [2000], [1000], [40, 25], [25, 40], [1001, 1], [1, 1001], [3, 500], [500, 3],
              [7, 7, 30], [10, 10, 11], [2, 3, 200], [6, 6, 6, 6], [7, 6, 6, 6], [3, 7, 7, 7], [1100],
              [5, 300], [8, 200]]
WIDE_SHAPES = [[30], [3, 30], [2, 2, 25], [80], [1, 13], [13], [11], [2, 9], [4, 2, 2, 17]]


def big_cases(rng):
    cases = []
    for shape in BIG_SHAPES + WIDE_SHAPES:
        for dtype in rng.sample(DTYPE_NAMES, 3):
            view = "perm:1,0" if len(shape) == 2 and rng.random() < 0.3 else "none"
            cases.append(tensor_case(rng, dtype, shape, view, random_mode(rng, dtype, shape)))
    return cases


def fixed_cases(rng):
    """The parity sheet's examples and threshold boundaries, computed live here too."""
    f32, f64 = "float32", "float64"
    inf, nan = float("inf"), float("nan")
    data = [
        (f32, [3], [1.0, 2.0, 3.0]), (f32, [3], [1.5, -2.25, 3.0]), ("int32", [3], [1, 2, 3]),
        (f64, [2], [1.0, 2.0]), (f32, [], [3.5]), ("int64", [], [5]), (f32, [2], [1e-5, 1.0]),
        (f32, [2], [-1e-5, 1.0]), (f32, [2], [1e9, 1.0]), (f32, [2], [2.0, 2000.0]), (f32, [2], [2.0, 2002.0]),
        (f32, [2], [0.5, 500.0]), (f32, [2], [0.5, 600.0]), (f32, [2], [0.0001, 0.1]), (f64, [2], [0.0001, 0.1]),
        (f32, [3], [0.0, -0.0, 1.0]), (f32, [3], [0.0, -0.0, 1.5]), (f32, [], [-0.0]), (f32, [3], [0.0] * 3),
        (f32, [3], [inf, nan, 1.0]), (f32, [2], [-inf, 2.5]), (f32, [0], []), (f32, [0, 3], []),
        ("int64", [0], []), ("bool", [0], []), ("bool", [2, 0, 1], []), (f64, [0], []), ("int32", [3, 0], []),
        ("bool", [2], [True, False]), ("bool", [], [True]), (f32, [3], [nan, nan, nan]), (f32, [2], [inf, -inf]),
        (f32, [], [nan]), (f64, [], [-inf]), (f32, [2], [1e8, 1.0]), (f32, [2], [1e8, 1e6]), (f64, [2], [1e8, 1e6]),
        (f64, [2], [100000001.0, 1e6]), (f32, [2], [1000.0, 1.0]), (f32, [2], [1000.5, 1.0]),
        (f64, [2], [1e300, -1e-300]), (f64, [2], [5e-324, 1.0]), (f32, [2], [3.4e38, 1.0]),
        ("int64", [2], [-(2**63), 2**63 - 1]), ("int32", [2], [-(2**31), 2**31 - 1]),
    ]
    cases = [tensor_case(rng, d, s, values=v) for d, s, v in data]
    arange20 = [i / 3 for i in range(20)]
    cases.append(tensor_case(rng, f32, [20], values=arange20))
    cases.append(tensor_case(rng, f32, [16], mode="op:clone", values=arange20[:16]))
    cases.append(tensor_case(rng, f32, [2, 2, 2], values=[0.0] * 8))
    cases.append(tensor_case(rng, f32, [2000], values=[float(i) for i in range(2000)]))
    cases.append(tensor_case(rng, "int64", [1001], values=list(range(1001))))
    cases.append(tensor_case(rng, f32, [2], mode="param", values=[1.0, 1.0]))
    cases.append(tensor_case(rng, f64, [2], mode="param", values=[1.0, 1.0]))
    cases.append(tensor_case(rng, f32, [0], mode="param", values=[]))
    cases.append(tensor_case(rng, f64, [], mode="rg", values=[2.0]))
    # Rows whose last line is just short of / past 80 columns, so suffixes wrap or not.
    for n in range(5, 12):
        for mode in ("rg", "op:clone", "op:todouble"):
            cases.append(tensor_case(rng, f32, [n], mode=mode, values=[rng.uniform(-9, 9) for _ in range(n)]))
            cases.append(tensor_case(rng, f64, [n], mode="rg", values=[rng.uniform(-9, 9) for _ in range(n)]))
    return cases


def literal(v):
    if isinstance(v, list):
        return "[" + ", ".join(literal(x) for x in v) + "]"
    return repr(v)


def rand_nested(rng, shape, kind):
    if not shape:
        if kind == "bool":
            return rng.random() < 0.5
        if kind == "int":
            return rng.randint(-1000, 1000)
        if kind == "mixed":  # ints, bools and floats in one literal
            return rng.choice([rng.randint(-9, 9), rng.random() < 0.5, round(rng.uniform(-9, 9), 3)])
        return rand_float(rng, rng.choice(FLOAT_REGIMES), "float32")
    return [rand_nested(rng, shape[1:], kind) for _ in range(shape[0])]


def creation_cases(rng):
    cases = []

    def add(line, make):
        try:
            want = repr(make())
        except Exception as e:  # noqa: BLE001 (torch rejects it: ctorch must error too)
            want = "ERROR"
            line = line + "  # torch: " + str(e).splitlines()[0]
        cases.append((line, want))

    for _ in range(40):
        shape = random_shape(rng)
        kind = rng.choice(["bool", "int", "float", "mixed"])
        data = rand_nested(rng, shape, kind)
        add("P " + literal(data), lambda d=data: torch.tensor(d))
        if shape:  # torch.Tensor(number) means a size, not a value
            add("PT " + literal(data), lambda d=data: torch.Tensor(d))
    for text, data in [("[]", []), ("[[], []]", [[], []]), ("[[[]]]", [[[]]]), ("True", True), ("-7", -7),
                       ("2.5", 2.5), ("[1, 2.]", [1, 2.0]), ("[True, 2]", [True, 2]), ("[1e3, -2]", [1e3, -2]),
                       ("[9007199254740993, 1]", [9007199254740993, 1]),
                       ("[-9223372036854775808, 9223372036854775807]", [-(2**63), 2**63 - 1]),
                       ("[1, 9223372036854775808]", [1, 2**63]), ("[[1, 2], [3]]", [[1, 2], [3]])]:
        add("P " + text, lambda d=data: torch.tensor(d))
    for _ in range(12):
        dtype = rng.choice(DTYPE_NAMES)
        shape = random_shape(rng)
        sh = "%d %s" % (len(shape), " ".join(map(str, shape)))
        add("Z %s %s" % (dtype, sh), lambda s=shape, d=dtype: torch.zeros(s, dtype=DTYPES[d]))
        add("O %s %s" % (dtype, sh), lambda s=shape, d=dtype: torch.ones(s, dtype=DTYPES[d]))
        value = rng.choice([2.5, -1.0, 0.1, 1e-6, 7.0, float("inf"), 0.0])
        if dtype in ("int32", "int64") and (value == float("inf") or value != int(value)):
            value = 3.0
        add("F %s %s %s" % (value.hex(), dtype, sh),
            lambda s=shape, d=dtype, v=value: torch.full(s, v, dtype=DTYPES[d]))
    aranges = [(0, 5, 1, "int64"), (0, 10, 3, "int64"), (-3, 3, 1, "int32"), (0, 1001, 1, "int64"),
               (0.0, 1.0, 0.1, "float32"), (0.0, 100.0, 0.1, "float32"), (1.0, 2.5, 0.5, "float64"),
               (0.0, 2000.0, 1.0, "float32"), (5.0, 0.0, -0.5, "float32"), (0.0, 10.0, 2.5, "int64"),
               (-1.0, 1.0, 0.0625, "float32"), (0.0, 3.0, 0.3, "float64"), (0.5, 30.0, 0.7, "float32"),
               (-3.7, 5.2, 1.5, "int64"), (-3.7, 5.2, 1.5, "int32"), (10, 0, -2.5, "int64"), (0, 1, 0.3, "int64"),
               (2**60, 2**60 + 4096, 768, "int64"), (0, 5, 1, "float32")]
    for start, end, step, dtype in aranges:
        add("A %s %s %s %s" % (float(start).hex(), float(end).hex(), float(step).hex(), dtype),
            lambda a=start, b=end, c=step, d=dtype: torch.arange(a, b, c, dtype=DTYPES[d]))
    for start, end, steps, dtype in [(0, 1, 5, "float32"), (-1, 1, 7, "float32"), (0, 10, 11, "float64"),
                                     (3, -3, 13, "float32"), (0, 1, 1, "float32"), (0, 1, 0, "float32"),
                                     (0.1, 0.9, 33, "float32"), (1e-3, 1e3, 10, "float64"),
                                     (-5, 5, 1500, "float32"), (0, 1, 2, "float64")]:
        add("L %s %s %d %s" % (float(start).hex(), float(end).hex(), steps, dtype),
            lambda a=start, b=end, c=steps, d=dtype: torch.linspace(a, b, c, dtype=DTYPES[d]))
    for n, m, dtype in [(3, -1, "float32"), (2, 4, "int64"), (4, 2, "float64"), (0, -1, "float32"),
                        (5, 5, "bool"), (1, 3, "int32"), (40, 40, "float32")]:
        add("E %d %d %s" % (n, m, dtype),
            lambda a=n, b=m, d=dtype: torch.eye(a, dtype=DTYPES[d]) if b < 0 else torch.eye(a, b, dtype=DTYPES[d]))
    # arange/linspace bit for bit (a repr hides 1-ulp differences): PyTorch fills two SIMD
    # vectors at a time with fused multiply-adds, so every length and offset matters.
    for _ in range(60):
        dtype = rng.choice(["float32", "float64"])
        a = round(rng.uniform(-10, 10), rng.randint(0, 3))
        if rng.random() < 0.5:
            step = rng.choice([0.1, 0.3, 0.7, 1 / 3, 0.01, 0.05, 2.5, 0.125])
            b = a + step * rng.randint(1, 3000) * rng.choice([1, 1.0001])
            line = "X A %s %s %s %s" % (float(a).hex(), float(b).hex(), float(step).hex(), dtype)
            t = torch.arange(a, b, step, dtype=DTYPES[dtype])
        else:
            b = round(rng.uniform(-10, 10), rng.randint(0, 3))
            steps = rng.choice([2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 33, 100, 1000, rng.randint(2, 3000)])
            line = "X L %s %s %d %s" % (float(a).hex(), float(b).hex(), steps, dtype)
            t = torch.linspace(a, b, steps, dtype=DTYPES[dtype])
        cases.append((line, values(t)))
    for shape in [[], [0], [4, 3], [2, 3, 4], [1, 1, 1, 1, 1], [100000, 7]]:
        cases.append(("S %d %s" % (len(shape), " ".join(map(str, shape))), str(torch.zeros(shape).shape)))
    return cases


def main():
    binary = sys.argv[1]
    rng = random.Random(20240611)
    groups = [("fixed", fixed_cases(rng)), ("random", random_cases(rng, 400)), ("big", big_cases(rng)),
              ("creation", creation_cases(rng))]
    lines = [line.split("  # ")[0] for _, cases in groups for line, _ in cases]
    outputs = run_c(binary, lines)
    chk = Checker("print")
    k = 0
    for name, cases in groups:
        for line, want in cases:
            got = outputs[k].rstrip("\n")
            k += 1
            if want == "ERROR":
                chk.check(got.startswith("ERROR:"), "%s: %s\nctorch printed, torch raised:\n%s" % (name, line, got))
            else:
                shown = line if len(line) < 300 else line[:300] + " ..."
                chk.equal(got, want, "%s: %s" % (name, shown))
    chk.finish()


if __name__ == "__main__":
    main()
