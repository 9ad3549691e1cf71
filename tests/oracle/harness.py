"""Shared plumbing for the live-oracle tests.

Each oracle test is a pair: oracle_<area>.c (a C program built by CMake) and
oracle_<area>.py (this module's user). The driver generates cases (seeded, so a failure
reproduces), feeds them to the C program on stdin, runs the same cases through real
PyTorch in this process, and compares. ctest passes the C program's path as argv[1].

Protocol: the driver writes one case per line; the C program answers each case with its
output followed by a line holding only RECORD_END. Formats of a case and an answer are
the area's own, built from the pieces here, which tests/util/oracle_io.{h,c} mirror on
the C side:
  * tensor specs (spec, tensor_spec, Strided): "<dtype> <ndim> <shape...> <strides...>
    <offset> <buflen> <values...>", a view of a buffer;
  * values (values): integers in decimal, bools 0/1, floats as Python's float.hex()
    (HEX: exact values, NaN as "nan") or as bit patterns (BITS: exact bits);
  * results of ops (result_answer): "ok <dtype> <torch.Size>", "fn <graph>", "v <values>",
    or "err <PyTorch's message>".
"""
import math
import struct
import subprocess
import sys

import numpy as np
import torch

RECORD_END = "@@END@@"


# ---- running the C program and counting cases ----

def run_c(binary, cases, extra_args=()):
    """Runs the C program on the cases (a list of str lines); returns one str per case."""
    text = "".join(c.rstrip("\n") + "\n" for c in cases)
    proc = subprocess.run([binary, *extra_args], input=text, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"{binary} exited with status {proc.returncode}")
    out = proc.stdout.split(RECORD_END + "\n")
    if out and out[-1] == "":
        out.pop()
    if len(out) != len(cases):
        raise SystemExit(f"{binary}: {len(out)} answers for {len(cases)} cases\n{proc.stderr}")
    return out


class Checker:
    """Counts cases and failures; prints the first few failures in full."""

    def __init__(self, name, show=10):
        self.name, self.show, self.total, self.failed = name, show, 0, 0

    def check(self, ok, description):
        self.total += 1
        if not ok:
            self.failed += 1
            if self.failed <= self.show:
                print(f"FAIL [{self.name}] {description}")
        return ok

    def equal(self, got, want, case):
        return self.check(got == want, f"case {case!r}\n--- ctorch:\n{got}\n--- torch:\n{want}")

    def finish(self):
        print(f"{self.name}: {self.total - self.failed}/{self.total} cases match the oracle")
        if self.total == 0:
            print("no cases ran")
            sys.exit(1)
        sys.exit(1 if self.failed else 0)


# ---- dtypes and values ----

DTYPES = {"bool": torch.bool, "int32": torch.int32, "int64": torch.int64,
          "float32": torch.float32, "float64": torch.float64}
NAME = {v: k for k, v in DTYPES.items()}  # torch dtype -> PyTorch's name, as ct_dtype_name
CODES = {"b": "bool", "i32": "int32", "i64": "int64", "f32": "float32", "f64": "float64"}
FLOATS = ("float32", "float64")
HEX, BITS = "hex", "bits"


def torch_dtype(token):
    """The torch dtype a token names: PyTorch's name or a short code (tu_parse_dtype)."""
    return DTYPES[CODES.get(token, token)]


def parse_shape_list(text):
    """A comma-separated shape, "s" for 0-d (tu_parse_shape_list)."""
    return () if text == "s" else tuple(int(x) for x in text.split(","))


def bits(v, name):
    """The bit pattern of float v stored as dtype `name`: 8 or 16 lowercase hex digits."""
    return value_tokens([v], name, BITS)[0]


def from_bits(h):
    """The float a bit pattern (8 or 16 hex digits) stands for."""
    if len(h) == 8:
        return struct.unpack("<f", struct.pack("<I", int(h, 16)))[0]
    return struct.unpack("<d", struct.pack("<Q", int(h, 16)))[0]


def parse_value(tok):
    """A value token (hex float, nan, inf or decimal integer) as a float."""
    return float.fromhex(tok) if "0x" in tok else float(tok)


def value_tokens(vals, name, fmt=HEX):
    """Elements of dtype `name` (Python numbers, or a 1-D numpy array: its exact bits) as
    the C side writes and reads them: integers in decimal, bools 0/1, floats as Python's
    float.hex() (HEX) or bit patterns (BITS)."""
    if name in FLOATS and fmt == BITS:
        text = bits_text(vals, name)
        return text.split(" ") if text else []
    if isinstance(vals, np.ndarray):
        vals = vals.tolist()
    if name in FLOATS:
        return [float.hex(float(v)) for v in vals]
    return ["1" if v else "0" for v in vals] if name == "bool" else [str(int(v)) for v in vals]


def bits_text(vals, name):
    """The bit patterns of floats stored as dtype `name`, separated by spaces. A numpy array
    keeps its own bits (signaling NaNs too); Python floats are rounded to the dtype."""
    size = 4 if name == "float32" else 8
    if isinstance(vals, np.ndarray):
        words = np.ascontiguousarray(vals, dtype=name).view(f"u{size}").astype(f">u{size}")
        return words.tobytes().hex(" ", size)
    return struct.pack(f">{len(vals)}{'f' if size == 4 else 'd'}", *vals).hex(" ", size)  # big-endian


def array_of(tokens, name):
    """A numpy array of dtype `name` from value tokens (floats as BITS), bit for bit."""
    if name in FLOATS:
        big_endian = ">u4" if name == "float32" else ">u8"
        words = np.frombuffer(bytes.fromhex("".join(tokens)), dtype=big_endian)
        return words.astype(big_endian.replace(">", "<")).view(name)
    if name == "bool":
        return np.array([int(t) for t in tokens], dtype=np.uint8).view(np.bool_)
    return np.array([int(t) for t in tokens], dtype=name)


def values(t, fmt=HEX):
    """" <element>" for each element of tensor t in row-major order (tu_print_values)."""
    return "".join(" " + tok for tok in value_tokens(t.detach().reshape(-1).tolist(), NAME[t.dtype], fmt))


# ---- tensor specs ----

def strides_for(shape, order=None, steps=None):
    """Strides of a buffer laid out with dims in `order` (outermost first), dim d taking
    every steps[d]-th element: row-major when both are left out."""
    nd = len(shape)
    order = list(range(nd)) if order is None else order
    steps = [1] * nd if steps is None else steps
    strides, acc = [0] * nd, 1
    for d in reversed(order):
        strides[d] = acc * steps[d]
        acc *= max(shape[d], 1) * steps[d]
    return strides


def storage_size(shape, strides, offset):
    """Elements a buffer needs for the view (shape, strides, offset)."""
    if all(s > 0 for s in shape):
        return offset + sum((s - 1) * st for s, st in zip(shape, strides)) + 1
    return offset + 1


def spec(name, shape, strides, offset, buf, fmt=HEX):
    """A tensor spec: dtype `name` viewing `buf` with (shape, strides, offset). Floats go
    as hex floats (HEX), or as "0x" + their bits (BITS: NaN payloads too, and faster)."""
    parts = [name, str(len(shape))] + [str(s) for s in shape] + [str(s) for s in strides] + [str(offset)]
    parts.append(str(len(buf)))
    if len(buf) and fmt == BITS and name in FLOATS:
        parts.append("0x" + bits_text(buf, name).replace(" ", " 0x"))
    elif len(buf):
        parts.append(" ".join(value_tokens(buf, name, fmt)))
    return " ".join(parts)


def tensor_spec(t, fmt=HEX):
    """The spec of tensor t's values, row-major."""
    shape = list(t.shape)
    return spec(NAME[t.dtype], shape, strides_for(shape), 0, t.detach().reshape(-1).tolist(), fmt)


class Strided:
    """An input tensor: a flat buffer (Python numbers) viewed with (shape, strides, offset)."""

    def __init__(self, name, shape, strides, offset, buf, requires_grad=False):
        if name == "float32":  # the exact float32 values both sides will hold
            buf = torch.tensor(buf, dtype=torch.float32).tolist()
        self.name, self.shape, self.strides, self.offset, self.buf = name, list(shape), list(strides), offset, buf
        self.requires_grad = requires_grad and name in FLOATS

    @property
    def contiguous(self):
        return self.strides == strides_for(self.shape) if self.shape else True

    def encode(self):
        return spec(self.name, self.shape, self.strides, self.offset, self.buf)

    def view(self, absolute=False):
        """The view of the buffer, a leaf when it requires grad (absolute: float64 |values|)."""
        base = torch.tensor(self.buf, dtype=DTYPES[self.name])
        if absolute:
            base = base.double().abs()
        t = torch.as_strided(base, self.shape, self.strides, self.offset)
        return t.detach().requires_grad_() if self.requires_grad else t

    def leaf(self):
        """A tensor of its own with this layout, not a view (in-place ops on views differ)."""
        base = torch.tensor(self.buf, dtype=DTYPES[self.name])
        t = torch.empty_strided(self.shape, self.strides, dtype=base.dtype)
        t.copy_(torch.as_strided(base, self.shape, self.strides, self.offset))
        return t.requires_grad_() if self.requires_grad else t


def laid_out(name, shape, values, order=None, steps=None, offset=0, requires_grad=False):
    """A Strided over a fresh buffer of values() (called once per element, in order),
    laid out as strides_for(shape, order, steps) describes, starting at offset."""
    strides = strides_for(shape, order, steps)
    buf = [values() for _ in range(storage_size(shape, strides, offset))]
    return Strided(name, shape, strides, offset, buf, requires_grad)


def op_inputs(specs, w=None, fd=False):
    """The inputs of an op case (tu_run_op_case): each spec with its requires_grad flag,
    the output gradient w (or none), the finite-difference flag."""
    text = f"{len(specs)} " + " ".join(f"{int(s.requires_grad)} {s.encode()}" for s in specs)
    return text + (f" W {tensor_spec(w)}" if w is not None else " -") + f" {int(fd)}"


# ---- answers ----

def error_text(ex):
    """The first line of an exception's message (what the C side prints)."""
    return str(ex).split("\n")[0]


def graph(fn, depth=-1):
    """The graph below grad_fn fn as tu_print_graph writes it."""
    if fn is None:
        return "None"
    name = type(fn).__name__
    if name == "AccumulateGrad":
        return "Leaf"
    if depth == 0:
        return name
    return name + "(" + ",".join(graph(n[0], depth - 1) for n in fn.next_functions) + ")"


def result_answer(out, graph_depth=-1):
    """The forward answer for a result (tu_print_result)."""
    return (f"ok {NAME[out.dtype]} torch.Size({list(out.shape)})\nfn {graph(out.grad_fn, graph_depth)}\n"
            f"v{values(out)}\n")


def flat(t):
    """A tensor's values as a flat list (row-major)."""
    return t.detach().reshape(-1).tolist()


def gradients_with_magnitudes(specs, tensors, absolute):
    """The "g" entry of an expected op answer (compare_op_answer) once backward has run on
    tensors and, seeded with |w|, on absolute, their twins over absolute values: for each
    input that requires grad, None or (its gradient, the twin's: the magnitudes)."""
    return {k: None if t.grad is None else (flat(t.grad), flat(a.grad))
            for k, (s, t, a) in enumerate(zip(specs, tensors, absolute)) if s.requires_grad}


def gradient_answer(specs, tensors):
    """The "g<k>" lines of tu_run_op_case for the inputs that require grad."""
    text = ""
    for k, (s, t) in enumerate(zip(specs, tensors)):
        if s.requires_grad:
            text += f"g{k}{' None' if t.grad is None else values(t.grad)}\n"
    return text


def parse_op_answer(text):
    """An answer of tu_run_op_case as a dict: err, dt and shape (ok), fn, v (values), g
    (input index -> values or None), fd (the central-difference verdict)."""
    got = {"g": {}}
    for line in text.splitlines():
        tag, _, rest = line.partition(" ")
        if tag == "err":
            got["err"] = rest
        elif tag == "ok":
            got["dt"], got["shape"] = rest.split(" ", 1)
        elif tag == "fn":
            got["fn"] = rest
        elif tag == "v":
            got["v"] = [parse_value(x) for x in rest.split()]
        elif tag.startswith("g") and tag[1:].isdigit():
            got["g"][int(tag[1:])] = None if rest == "None" else [parse_value(x) for x in rest.split()]
        elif tag == "fd":
            got["fd"] = rest
    return got


def compare_op_answer(got, want, close_values):
    """None when a parsed op-case answer (parse_op_answer) agrees with the expected one,
    else the reason. close_values(got_values, want_values, magnitudes) judges float values
    (the oracle's tolerance and statistics)."""
    if "err" in want:
        return None if got.get("err") == want["err"] else "error differs"
    for key in ("dt", "shape", "fn"):
        if got.get(key) != want[key]:
            return f"{key} differs"
    if not close_values(got.get("v"), want["v"], want.get("m", want["v"])):
        return "values differ"
    if "bwerr" in got:
        return "backward failed"
    for i, g in want.get("g", {}).items():
        if g is None:
            if got["g"].get(i) is not None:
                return f"gradient {i} should be None"
        elif not close_values(got["g"].get(i), g[0], g[1]):
            return f"gradient {i} differs"
    if want.get("fd") and got.get("fd") != "ok":
        return f"finite differences: {got.get('fd')}"
    return None


# ---- case generators ----

def rand_shape(rng, lo, hi, smax=4, zero_p=0.08):
    """lo..hi dims of sizes 1..smax, each 0 with probability zero_p."""
    nd = rng.randint(lo, hi)
    return [0 if rng.random() < zero_p else rng.randint(1, smax) for _ in range(nd)]


def random_arrangement(rng, nd, p=0.5):
    """(order, steps, offset) for strides_for/laid_out of an nd-dim view: with probability
    p its dims permuted in memory, stepped by 1 or 2, after an offset of 0..2; else
    contiguous."""
    order, steps, offset = list(range(nd)), [1] * nd, 0
    if nd > 0 and rng.random() < p:
        rng.shuffle(order)
        steps = [rng.choice([1, 1, 2]) for _ in range(nd)]
        offset = rng.randrange(0, 3)
    return order, steps, offset


def random_layout(rng, shape, p=0.5):
    """(strides, offset) of a view of `shape` arranged by random_arrangement."""
    order, steps, offset = random_arrangement(rng, len(shape), p)
    return strides_for(shape, order, steps), offset


# ---- comparing ----

def close(a, b, rtol, atol=0.0, scale=0.0):
    """|a - b| <= rtol * (|b| + scale) + atol; NaN matches NaN, an infinity only itself."""
    if math.isnan(a) and math.isnan(b):
        return True
    if math.isnan(a) or math.isnan(b) or math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= rtol * (abs(b) + scale) + atol


def first_difference(got_lines, want_lines):
    """The first differing line of each side, values cut around the first differing one."""
    for k, (a, b) in enumerate(zip(got_lines, want_lines)):
        if a != b:
            ga, wb = a.split(), b.split()
            j = next((i for i, (x, y) in enumerate(zip(ga, wb)) if x != y), min(len(ga), len(wb)))
            lo = max(0, j - 2)
            return (f"line {k}, token {j}:\n--- ctorch: {' '.join(ga[:2])} ... {' '.join(ga[lo:j + 3])}\n"
                    f"--- torch:  {' '.join(wb[:2])} ... {' '.join(wb[lo:j + 3])}")
    return f"--- ctorch: {len(got_lines)} lines\n--- torch: {len(want_lines)} lines\n" + "\n".join(
        x[:200] for x in got_lines + ["==="] + want_lines)
