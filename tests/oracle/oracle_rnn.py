"""Recurrent layers and packed sequences against live PyTorch (C side: oracle_rnn.c).

Cases (float32 and float64, random sizes, small and up to 40 hidden units and 11 sequences): RNN (tanh, relu), LSTM and GRU with 1 to 3
layers, with and without bias, batch_first or not, bidirectional or not, dropout between
layers in training mode, given or zero initial states, batched and unbatched inputs, and
packed inputs (pack_padded_sequence with enforce_sorted true and false, the output padded
back with pad_packed_sequence); RNNCell (tanh, relu), LSTMCell and GRUCell, batched and
unbatched; reprs; PyTorch 1.13's error texts for wrong input sizes and ranks, states of
the wrong shape or rank, unsorted lengths with enforce_sorted, a length of 0, an empty
sequence, bad constructor arguments.

Exactness: the initialisation draws (every parameter after the same manual_seed), the
packed data, batch sizes, sorted/unsorted indices and pad's lengths match bit for bit,
as do the error texts and reprs. Outputs, final states and every gradient (input,
initial states, each parameter) of sum(out * go) + sum(h_n * gh) + sum(c_n * gc) agree
to float rounding: |a - b| <= rtol * (|b| + s) with s the largest |b| of the line,
rtol 1e-5 (float32) / 1e-12 (float64): ctorch fuses each step's gate math, PyTorch runs
one op per gate, so their roundings differ.
"""
import os
import random
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence  # noqa: E402
from harness import BITS, Checker, close, error_text, parse_value, run_c, tensor_spec, values  # noqa: E402

warnings.simplefilter("ignore")
torch.set_num_threads(1)
rng = random.Random(20261207)
nprng = np.random.default_rng(7)
F32, F64 = torch.float32, torch.float64
RTOL = {"f32": 1e-5, "f64": 1e-12}
EXACT_TAGS = ("repr", "param", "packed", "bs", "si", "ui", "plen", "ERR")


def rand(shape, dtype):
    return torch.tensor(nprng.standard_normal(shape), dtype=dtype)


class Case:
    """One case: the module's arguments and the tensors, as text for C and as objects for torch."""

    def __init__(self, kind, inp, hid, dtype="f32", **kw):
        self.kind, self.inp, self.hid, self.dtype = kind, inp, hid, dtype
        self.layers = kw.get("layers", 1)
        self.bias, self.bf, self.bidir = kw.get("bias", 1), kw.get("bf", 0), kw.get("bidir", 0)
        self.drop, self.train, self.seed = kw.get("drop", 0.0), kw.get("train", 0), kw.get("seed", 0)
        self.repr, self.lengths, self.sorted = kw.get("repr", False), kw.get("lengths"), kw.get("sorted", 1)
        self.t = {k: kw[k] for k in ("x", "h0", "c0", "go", "gh", "gc") if kw.get(k) is not None}

    def line(self):
        parts = [f"kind {self.kind} in {self.inp} hid {self.hid} layers {self.layers} bias {self.bias}",
                 f"bf {self.bf} bidir {self.bidir} train {self.train} seed {self.seed} drop {self.drop!r}",
                 f"dtype {self.dtype} sorted {self.sorted}"]
        if self.repr:
            parts.append("repr")
        if self.lengths is not None:
            parts.append("len " + ",".join(str(v) for v in self.lengths))
        parts += [f"{k} {tensor_spec(v, BITS)}" for k, v in self.t.items()]
        return " ".join(parts)


def make_module(c):
    dtype = F32 if c.dtype == "f32" else F64
    k = c.kind
    if "cell" in k:
        if k.startswith("rnncell"):
            act = "relu" if "relu" in k else "x" if k.endswith("_x") else "tanh"
            return nn.RNNCell(c.inp, c.hid, bias=bool(c.bias), nonlinearity=act, dtype=dtype)
        cls = nn.LSTMCell if k == "lstmcell" else nn.GRUCell
        return cls(c.inp, c.hid, bias=bool(c.bias), dtype=dtype)
    kw = dict(num_layers=c.layers, bias=bool(c.bias), batch_first=bool(c.bf), dropout=c.drop,
              bidirectional=bool(c.bidir), dtype=dtype)
    if k == "rnn_x":
        return nn.RNN(c.inp, c.hid, nonlinearity="x", **kw)
    if k.startswith("rnn"):
        return nn.RNN(c.inp, c.hid, nonlinearity="relu" if "relu" in k else "tanh", **kw)
    return (nn.LSTM if k == "lstm" else nn.GRU)(c.inp, c.hid, **kw)


def shaped(tag, t):
    dims = ",".join(str(s) for s in t.shape) if t.dim() else "s"
    return f"{tag} {dims}{values(t)}"


def torch_answer(c):
    lines = []
    torch.manual_seed(c.seed)
    try:
        m = make_module(c)
    except Exception as ex:  # noqa: BLE001
        return [f"ERR {error_text(ex)}"]
    if c.repr:
        lines.append(f"repr {m!r}")
    params = list(m.named_parameters())
    lines += [f"param {n}{values(p, BITS)}" for n, p in params]
    m.train(bool(c.train))
    t = {k: v.clone().requires_grad_("go" in c.t and k in ("x", "h0", "c0")) for k, v in c.t.items()}
    lstm = c.kind.startswith("lstm")
    hx = None
    if "h0" in t:
        hx = (t["h0"], t["c0"]) if lstm else t["h0"]
    try:
        cn = None
        if "cell" in c.kind:
            r = m(t["x"], hx)
            out, hn = (r[0], r[0]) if lstm else (r, r)
            cn = r[1] if lstm else None
        elif c.lengths is not None:
            p = pack_padded_sequence(t["x"], torch.tensor(c.lengths), batch_first=bool(c.bf),
                                     enforce_sorted=bool(c.sorted))
            lines.append(f"packed{values(p.data, BITS)}")
            lines.append(f"bs{values(p.batch_sizes)}")
            if p.sorted_indices is not None:
                lines.append(f"si{values(p.sorted_indices)}")
                lines.append(f"ui{values(p.unsorted_indices)}")
            po, h = m(p, hx)
            out, plen = pad_packed_sequence(po, batch_first=bool(c.bf), padding_value=0.0)
            lines.append(f"plen{values(plen)}")
            hn, cn = h if lstm else (h, None)
        else:
            out, h = m(t["x"], hx)
            hn, cn = h if lstm else (h, None)
    except Exception as ex:  # noqa: BLE001
        lines.append(f"ERR {error_text(ex)}")
        return lines
    lines += [shaped("out", out), shaped("hn", hn)]
    if cn is not None:
        lines.append(shaped("cn", cn))
    if "go" in t:
        loss = (out * t["go"]).sum()
        if "gh" in t:
            loss = loss + (hn * t["gh"]).sum()
        if "gc" in t and cn is not None:
            loss = loss + (cn * t["gc"]).sum()
        loss.backward()
        lines.append(f"gx{values(t['x'].grad)}")
        for k in ("h0", "c0"):
            if k in t:
                lines.append(f"g{k}{values(t[k].grad)}")
        lines += [f"g {n}{values(p.grad)}" for n, p in params]
    return lines


WORST = {}  # rtol -> the largest |a - b| / (|b| + s) seen, printed at the end


def compare(got, want, rtol):
    """None when the answers agree (exact tags exactly, values to rtol), else why not."""
    g, w = got.strip("\n").split("\n"), want
    if len(g) != len(w):
        return f"{len(g)} lines, torch {len(w)}:\n" + "\n".join(x[:160] for x in g + ["==="] + w)
    for a, b in zip(g, w):
        if a.split(" ")[0] in EXACT_TAGS or a == b:
            if a != b:
                return f"--- ctorch: {a[:300]}\n--- torch:  {b[:300]}"
            continue
        ta, tb = a.split(), b.split()
        head = 2 if ta[0] in ("out", "hn", "cn", "g") else 1
        if ta[:head] != tb[:head] or len(ta) != len(tb):
            return f"--- ctorch: {a[:300]}\n--- torch:  {b[:300]}"
        va, vb = [parse_value(x) for x in ta[head:]], [parse_value(x) for x in tb[head:]]
        scale = max((abs(v) for v in vb), default=0.0)
        ratios = [abs(x - y) / (abs(y) + scale) for x, y in zip(va, vb) if abs(y) + scale > 0 and x == x and y == y]
        WORST[rtol] = max([WORST.get(rtol, 0.0)] + ratios)
        bad = [i for i, (x, y) in enumerate(zip(va, vb)) if not close(x, y, rtol, 0.0, scale)]
        if bad:
            i = bad[0]
            return f"{ta[:head]} element {i}: ctorch {va[i]!r} torch {vb[i]!r} (scale {scale})"
    return None


# ---- cases ----

LAYER_KINDS = ("rnn", "rnn_relu", "lstm", "gru")
CELL_KINDS = ("rnncell", "rnncell_relu", "lstmcell", "grucell")


def states(kind, layers_dirs, batch, hid, dtype, unbatched=False):
    shape = (layers_dirs, hid) if unbatched else (layers_dirs, batch, hid)
    h0 = rand(shape, dtype)
    return h0, (rand(shape, dtype) if kind == "lstm" else None)


def layer_case(kind, dtype_code, packed=False, big=False):
    """big: wider layers and batches, so products run whole register tiles and their tails."""
    dtype = F32 if dtype_code == "f32" else F64
    inp, hid = (rng.randint(6, 20), rng.randint(7, 40)) if big else (rng.randint(1, 5), rng.randint(1, 6))
    layers, bidir, bf = rng.randint(1, 3), rng.randint(0, 1), rng.randint(0, 1)
    steps, batch = (rng.randint(2, 8), rng.randint(5, 11)) if big else (rng.randint(1, 6), rng.randint(1, 4))
    unbatched = not packed and rng.random() < 0.2
    train = rng.random() < 0.4
    drop = rng.choice([0.0, 0.0, 0.3, 0.5]) if layers > 1 else 0.0
    d = 2 if bidir else 1
    shape = (steps, inp) if unbatched else ((batch, steps, inp) if bf else (steps, batch, inp))
    x = rand(shape, dtype)
    h0 = c0 = None
    if rng.random() < 0.6:
        h0, c0 = states(kind, layers * d, batch, hid, dtype, unbatched)
    kw = dict(layers=layers, bias=int(rng.random() < 0.8), bf=bf, bidir=bidir, drop=drop, train=int(train),
              seed=rng.randint(0, 10 ** 6), x=x, h0=h0, c0=c0, repr=rng.random() < 0.3)
    if packed:
        lengths = [rng.randint(1, steps) for _ in range(batch)]
        kw["sorted"] = int(rng.random() < 0.5)
        if kw["sorted"]:
            lengths.sort(reverse=True)
        kw["lengths"] = lengths
    out_steps = max(kw["lengths"]) if packed else steps
    out_shape = ((out_steps, hid * d) if unbatched else
                 ((batch, out_steps, hid * d) if bf else (out_steps, batch, hid * d)))
    if rng.random() < 0.85:
        kw["go"] = rand(out_shape, dtype)
        state_shape = (layers * d, hid) if unbatched else (layers * d, batch, hid)
        if rng.random() < 0.7:
            kw["gh"] = rand(state_shape, dtype)
        if kind == "lstm" and rng.random() < 0.7:
            kw["gc"] = rand(state_shape, dtype)
    return Case(kind, inp, hid, dtype_code, **kw)


def cell_case(kind, dtype_code):
    dtype = F32 if dtype_code == "f32" else F64
    inp, hid, batch = rng.randint(1, 5), rng.randint(1, 6), rng.randint(1, 4)
    unbatched = rng.random() < 0.3
    x = rand((inp,) if unbatched else (batch, inp), dtype)
    sshape = (hid,) if unbatched else (batch, hid)
    kw = dict(bias=int(rng.random() < 0.8), seed=rng.randint(0, 10 ** 6), x=x, repr=rng.random() < 0.5)
    if rng.random() < 0.6:
        kw["h0"] = rand(sshape, dtype)
        if kind == "lstmcell":
            kw["c0"] = rand(sshape, dtype)
    if rng.random() < 0.85:
        kw["go"] = rand(sshape, dtype)
        if kind == "lstmcell" and rng.random() < 0.7:
            kw["gc"] = rand(sshape, dtype)
    return Case(kind, inp, hid, dtype_code, **kw)


def error_cases():
    f = F32
    c = []
    c.append(Case("lstm", 4, 5, x=rand((5, 3, 2), f)))                        # input size
    c.append(Case("lstm", 4, 5, x=rand((5, 3, 4, 1), f)))                     # rank 4
    c.append(Case("gru", 4, 5, x=rand((4,), f)))                              # rank 1
    c.append(Case("lstm", 4, 5, x=rand((5, 3, 4), f), h0=rand((1, 2, 5), f), c0=rand((1, 3, 5), f)))
    c.append(Case("lstm", 4, 5, x=rand((5, 3, 4), f), h0=rand((1, 3, 5), f), c0=rand((1, 3, 6), f)))
    c.append(Case("lstm", 4, 5, x=rand((5, 3, 4), f), h0=rand((3, 5), f), c0=rand((1, 3, 6), f)))
    c.append(Case("lstm", 4, 5, x=rand((5, 4), f), h0=rand((1, 3, 5), f), c0=rand((1, 5), f)))
    c.append(Case("rnn", 4, 5, x=rand((5, 3, 4), f), h0=rand((3, 5), f)))
    c.append(Case("gru", 4, 5, x=rand((5, 4), f), h0=rand((1, 1, 5), f)))
    c.append(Case("gru", 4, 5, x=rand((5, 3, 4), f), h0=rand((2, 3, 5), f)))
    c.append(Case("rnn", 4, 5, bidir=1, layers=2, x=rand((5, 3, 4), f), h0=rand((2, 3, 5), f)))
    c.append(Case("lstm", 4, 5, x=rand((0, 3, 4), f)))                        # empty sequence
    c.append(Case("rnn", 4, 5, x=rand((5, 3, 4), F64)))                       # dtype
    c.append(Case("rnn_x", 4, 5, x=rand((5, 3, 4), f)))                       # nonlinearity
    c.append(Case("gru", 4, 5, drop=1.5, x=rand((5, 3, 4), f)))               # dropout range
    c.append(Case("lstm", 2, 3, x=rand((5, 3, 2), f), lengths=[3, 4, 1]))     # unsorted
    c.append(Case("lstm", 2, 3, x=rand((5, 3, 2), f), lengths=[4, 3, 0]))     # a length of 0
    c.append(Case("gru", 2, 3, x=rand((5, 3, 2), f), lengths=[4, 3, 0], sorted=0))
    c.append(Case("gru", 2, 3, x=rand((5, 3, 2), f), lengths=[4, 3]))         # count
    c.append(Case("rnncell", 10, 20, x=rand((3, 5), f)))
    c.append(Case("rnncell", 10, 20, x=rand((3, 10), f), h0=rand((2, 20), f)))
    c.append(Case("rnncell", 10, 20, x=rand((3, 10), f), h0=rand((3, 7), f)))
    c.append(Case("grucell", 10, 20, x=rand((3, 10, 2), f)))
    c.append(Case("lstmcell", 10, 20, x=rand((3, 10), f), h0=rand((3, 20), f), c0=rand((2, 20), f)))
    c.append(Case("lstmcell", 10, 20, x=rand((3, 10), f), h0=rand((3, 20), f), c0=rand((3, 21), f)))
    c.append(Case("rnncell_x", 3, 4, x=rand((3, 3), f)))
    return c


def all_cases():
    cases = error_cases()
    for dtype in ("f32", "f64"):
        for kind in LAYER_KINDS:
            cases += [layer_case(kind, dtype) for _ in range(14)]
            cases += [layer_case(kind, dtype, packed=True) for _ in range(8)]
            cases += [layer_case(kind, dtype, packed=rng.random() < 0.5, big=True) for _ in range(3)]
        for kind in CELL_KINDS:
            cases += [cell_case(kind, dtype) for _ in range(8)]
    return cases


def main():
    binary = sys.argv[1]
    cases = all_cases()
    got = run_c(binary, [c.line() for c in cases])
    chk = Checker("oracle_rnn", show=15)
    for c, g in zip(cases, got):
        why = compare(g, torch_answer(c), RTOL[c.dtype])
        chk.check(why is None, f"case {c.line()[:200]}\n{why}")
    for rtol, worst in sorted(WORST.items()):
        print(f"largest relative difference {worst:.3g} (tolerance {rtol:g})")
    chk.finish()


if __name__ == "__main__":
    main()
