"""Attention and transformers against live PyTorch (C side: oracle_attention.c).

Functional cases: scaled_dot_product_attention (PyTorch 2's semantics) against
softmax(q kᵀ / sqrt(E) + bias) v computed here in PyTorch 1.13, float32 and float64,
2-D to 4-D inputs with broadcast batch dims, bool and float masks of several ranks, the
causal mask, dropout after the same seed: outputs and the gradients of q, k, v; float64
cases also against ctorch's own central differences (gradcheck). PyTorch 2's error texts.

Module scripts: MultiheadAttention (bias or not, batch_first, kdim / vdim, dropout,
unbatched input, self / key-is-value / separate inputs, key_padding_mask bool and float,
attn_mask 2-D and 3-D, bool and float, causal, need_weights, average_attn_weights),
TransformerEncoderLayer (relu / gelu, norm_first, batch_first, dropout) and
TransformerEncoder (num_layers copies, optional final norm): the initial state dict after
the same manual_seed (bit for bit: PyTorch's draws), parameter names, reprs; then random
weights loaded through load_state_dict on both sides, a forward, the attention weights,
and the gradients of the inputs and of every parameter; PyTorch's error messages.

Exactness: initial state dicts and reprs match exactly. Outputs and gradients follow
PyTorch's op sequence but sum in other orders (GEMM blocking, bmm vs baddbmm):
|a - b| <= rtol * (|b| + s), s the largest |b| of the line, rtol 2e-5 (float32) / 1e-12
(float64); central differences: rtol 1e-6 with s the line's largest value. The counts of
bit-exact and tolerated value lines are printed (at the time of writing 715 and 291).
"""
import math
import os
import random
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from harness import BITS, NAME, Checker, close, first_difference, from_bits, run_c, tensor_spec, values  # noqa: E402

warnings.simplefilter("ignore")
torch.set_num_threads(1)
rng = random.Random(20261207)
gen = torch.Generator().manual_seed(77)
RTOL = {"float32": 2e-5, "float64": 1e-12}


def randn(*shape, dtype=torch.float32):
    return torch.randn(*shape, generator=gen, dtype=torch.float64).to(dtype)


def line(tag, t):
    return f"{tag} {NAME[t.dtype]} {t.shape}" + values(t.detach(), BITS)


def grad_line(tag, t):
    return tag + values(t, BITS)


def err(ex):
    return "ERR " + str(ex).split("\n")[0]


# ---- scaled_dot_product_attention ----

def sdpa_reference(q, k, v, mask, p, causal, seed):
    L, S, E = q.size(-2), k.size(-2), q.size(-1)
    bias = torch.zeros(L, S, dtype=q.dtype)
    if causal:
        bias = bias.masked_fill(torch.ones(L, S, dtype=torch.bool).tril().logical_not(), float("-inf"))
    if mask is not None:
        bias = bias.masked_fill(mask.logical_not(), float("-inf")) if mask.dtype == torch.bool else bias + mask
    w = torch.softmax((q / math.sqrt(E)) @ k.transpose(-2, -1) + bias, dim=-1)
    torch.manual_seed(seed)
    if p > 0:
        w = F.dropout(w, p)
    return w @ v


def sdpa_case(dtype, batch, L, S, E, Ev, mask_kind, p, causal, fd):
    q, k, v = randn(*batch, L, E, dtype=dtype), randn(*batch, S, E, dtype=dtype), randn(*batch, S, Ev, dtype=dtype)
    g = randn(*batch, L, Ev, dtype=dtype)
    mask = None
    if mask_kind == "bool":
        mask = torch.rand(L, S, generator=gen) < 0.7
        mask[:, 0] = True  # every row keeps a position
    elif mask_kind == "bool_b":
        mask = torch.rand(*batch, L, S, generator=gen) < 0.7
        mask[..., 0] = True
    elif mask_kind == "float":
        mask = randn(*batch[-1:], L, S, dtype=dtype)
    seed = rng.randrange(1000)
    text = f"sdpa q {tensor_spec(q, BITS)} k {tensor_spec(k, BITS)} v {tensor_spec(v, BITS)} g {tensor_spec(g, BITS)}"
    if mask is not None:
        text += f" mask {tensor_spec(mask, BITS)}"
    text += f" p {float(p).hex()} causal {int(causal)} seed {seed}" + (" fd" if fd else "")
    qs, ks, vs = (t.clone().requires_grad_() for t in (q, k, v))
    out = sdpa_reference(qs, ks, vs, mask, p, causal, seed)
    (out * g).sum().backward()
    want = [line("out", out), grad_line("gq", qs.grad), grad_line("gk", ks.grad), grad_line("gv", vs.grad)]
    return text, want, fd


def sdpa_error_cases():
    """PyTorch 2's checks (their texts from its sdp_utils), which 1.13 cannot produce."""
    f, d = randn(2, 3, 4), randn(2, 3, 4, dtype=torch.float64)
    cases = [
        (f"sdpa q {tensor_spec(f, BITS)} k {tensor_spec(d, BITS)} v {tensor_spec(f, BITS)} g {tensor_spec(f, BITS)}",
         "Expected query, key, and value to have the same dtype, but got query.dtype: float key.dtype: double and "
         "value.dtype: float instead."),
        (f"sdpa q {tensor_spec(randn(4), BITS)} k {tensor_spec(f, BITS)} v {tensor_spec(f, BITS)} g {tensor_spec(f, BITS)}",
         "Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: 1 key.dim: 3 and "
         "value.dim: 3 instead."),
        (f"sdpa q {tensor_spec(f, BITS)} k {tensor_spec(f, BITS)} v {tensor_spec(f, BITS)} g {tensor_spec(f, BITS)} "
         f"mask {tensor_spec(torch.zeros(3, 3, dtype=torch.int64), BITS)}",
         "Expected attn_mask dtype to be bool or to match query dtype, but got attn_mask.dtype: long and  query.dtype: "
         "float instead."),
        (f"sdpa q {tensor_spec(f, BITS)} k {tensor_spec(f, BITS)} v {tensor_spec(f, BITS)} g {tensor_spec(f, BITS)} "
         f"mask {tensor_spec(torch.ones(3, 3, dtype=torch.bool), BITS)} causal 1",
         "_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True"),
    ]
    return [(text, ["ERR " + msg], False) for text, msg in cases]


def sdpa_cases():
    cases = []
    for dtype in (torch.float32, torch.float64):
        for batch in ((), (3,), (2, 3)):
            for mask_kind in ("none", "bool", "bool_b", "float", "causal"):
                L, S = rng.randint(1, 6), rng.randint(1, 6)
                causal = mask_kind == "causal"
                fd = dtype == torch.float64 and len(batch) < 2
                cases.append(sdpa_case(dtype, batch, L, S, rng.randint(1, 5), rng.randint(1, 5),
                                       mask_kind, 0.0, causal, fd))
        cases.append(sdpa_case(dtype, (2,), 4, 5, 3, 2, "none", 0.3, False, False))
    # a square causal case besides the random rectangles, and 0 < p < 1 with a mask
    cases.append(sdpa_case(torch.float32, (2, 2), 6, 6, 8, 8, "causal", 0.0, True, False))
    cases.append(sdpa_case(torch.float32, (2,), 5, 5, 4, 4, "bool", 0.5, False, False))
    return cases + sdpa_error_cases()


# ---- modules ----

def new_torch(words):
    kind = words[0]
    if kind == "mha":
        E, H, bias, bf, kdim, vdim, p = int(words[1]), int(words[2]), words[3] == "1", words[4] == "1", \
            int(words[5]), int(words[6]), float.fromhex(words[7])
        return nn.MultiheadAttention(E, H, dropout=p, bias=bias, kdim=kdim or None, vdim=vdim or None, batch_first=bf)
    d, h, ff, p, act, eps, bf, nf = int(words[1]), int(words[2]), int(words[3]), float.fromhex(words[4]), words[5], \
        float.fromhex(words[6]), words[7] == "1", words[8] == "1"
    layer = nn.TransformerEncoderLayer(d, h, ff, p, act, eps, batch_first=bf, norm_first=nf)
    if kind == "tel":
        return layer
    return nn.TransformerEncoder(layer, int(words[9]), norm=nn.LayerNorm(d) if words[10] == "1" else None)


class Script:
    """One module case: the commands for the C side and PyTorch's answer for each."""

    def __init__(self):
        self.commands, self.want, self.module, self.kind = [], [], None, None

    def cmd(self, text, answer):
        self.commands.append(text)
        self.want.extend(answer)

    def new(self, seed, *words):
        words = [str(w) for w in words]
        self.kind = words[0]
        torch.manual_seed(seed)
        try:
            self.module = new_torch(words)
            answer = []
        except Exception as ex:  # noqa: BLE001 - the message is the answer
            answer = [err(ex)]
        self.cmd(f"seed {seed}", [])
        self.cmd("new " + " ".join(words), answer)
        return self.module is not None

    def inspect(self):
        sd = self.module.state_dict()
        self.cmd("state", [line(f"key {k}", v) for k, v in sd.items()])
        self.cmd("names", ["params " + " ".join(n for n, _ in self.module.named_parameters())])
        self.cmd("repr", ["repr"] + repr(self.module).split("\n"))

    def randomize(self):
        for name, p in self.module.state_dict().items():
            new = randn(*p.shape) * 0.3
            self.module.load_state_dict({name: new}, strict=False)
            self.cmd(f"load {name} {tensor_spec(new, BITS)}", ["ok"])

    def forward(self, q, k=None, v=None, kpm=None, mask=None, need_weights=True, average=True, seed=None,
                share=None):
        text = "fwd"
        q = q.clone().requires_grad_()
        if share == "self":
            k = v = q
            text += " self"
        else:
            k = k.clone().requires_grad_() if k is not None else None
            v = k if share == "kv" else (v.clone().requires_grad_() if v is not None else None)
            text += " kv" if share == "kv" else ""
        text += f" q {tensor_spec(q, BITS)}"
        if k is not None and share is None or share == "kv":
            text += f" k {tensor_spec(k, BITS)}"
        if v is not None and share is None:
            text += f" v {tensor_spec(v, BITS)}"
        for name, t in (("kpm", kpm), ("mask", mask)):
            if t is not None:
                text += f" {name} {tensor_spec(t, BITS)}"
        text += "" if need_weights else " nw"
        text += "" if average else " avg0"
        if seed is not None:
            torch.manual_seed(seed)
            self.cmd(f"seed {seed}", [])
        m, w = self.module, None
        try:
            if self.kind == "mha":
                out, w = m(q, k, v, key_padding_mask=kpm, need_weights=need_weights, attn_mask=mask,
                           average_attn_weights=average)
            elif self.kind == "tel":
                out = m(q, src_mask=mask, src_key_padding_mask=kpm)
            else:
                out = m(q, mask=mask, src_key_padding_mask=kpm)
        except Exception as ex:  # noqa: BLE001
            g = randn(1)
            self.cmd(text + f" g {tensor_spec(g, BITS)}", [err(ex)])
            return
        g = randn(*out.shape)
        text += f" g {tensor_spec(g, BITS)}"
        loss = (out * g).sum()
        answer = [line("out", out)] + ([line("w", w)] if w is not None else [])
        if w is not None:
            gw = randn(*w.shape)
            text += f" gw {tensor_spec(gw, BITS)}"
            loss = loss + (w * gw).sum()
        loss.backward()
        answer.append(grad_line("gq", q.grad))
        if share != "self" and k is not None:
            answer.append(grad_line("gk", k.grad))
        if share is None and v is not None:
            answer.append(grad_line("gv", v.grad))
        answer += [grad_line(f"grad {n}", p.grad) for n, p in m.named_parameters() if p.grad is not None]
        self.cmd(text, answer)

    def case(self):
        return "mod " + "; ".join(self.commands), self.want, False


def seq_first(L, N, E, bf):
    return randn(N, L, E) if bf else randn(L, N, E)


def bool_mask(*shape, keep_first=True):
    m = torch.rand(*shape, generator=gen) < 0.3
    if keep_first:
        m[..., 0] = False  # a row with every key masked is NaN on both sides; keep one key
    return m


def mha_cases():
    cases = []
    for bias in (True, False):
        for bf in (False, True):
            for kdims in ((0, 0), (3, 5)):
                s = Script()
                E, H = 8, 2
                s.new(rng.randrange(100), "mha", E, H, int(bias), int(bf), kdims[0], kdims[1], float.hex(0.0))
                s.inspect()
                s.randomize()
                L, S, N = 4, 5, 3
                q = seq_first(L, N, E, bf)
                kd, vd = (kdims[0] or E), (kdims[1] or E)
                k, v = seq_first(S, N, kd, bf), seq_first(S, N, vd, bf)
                s.forward(q, k, v)
                if kdims == (0, 0):
                    s.forward(q, share="self", mask=nn.Transformer.generate_square_subsequent_mask(L))
                    s.forward(q, k, share="kv", kpm=bool_mask(N, S), average=False)
                    s.forward(q, k, v, kpm=randn(N, S), mask=bool_mask(L, S))
                    s.forward(q, k, v, mask=bool_mask(N * H, L, S), kpm=bool_mask(N, S), need_weights=False)
                    s.forward(q, k, v, mask=randn(N * H, L, S), kpm=bool_mask(N, S))
                    s.forward(q[:, 0] if bf else q[:, 0], k[:, 0], v[:, 0], kpm=bool_mask(S),
                              mask=bool_mask(H, L, S), average=False)  # unbatched
                    s.forward(q[0] if not bf else q[0], share="self")  # unbatched self attention
                cases.append(s.case())
    # dropout on the attention weights in training, eval mode without it
    s = Script()
    s.new(5, "mha", 6, 3, 1, 1, 0, 0, float.hex(0.25))
    s.randomize()
    q = randn(2, 4, 6)
    s.forward(q, share="self", seed=11)
    s.cmd("eval", [])
    s.module.eval()
    s.forward(q, share="self")
    cases.append(s.case())
    # errors: construction, input ranks and sizes, masks
    s = Script()
    s.new(1, "mha", 6, 4, 1, 0, 0, 0, float.hex(0.0))
    cases.append(s.case())
    s = Script()
    s.new(1, "mha", 6, 2, 1, 0, 0, 0, float.hex(0.0))
    q = randn(4, 2, 6)
    s.forward(randn(4, 2, 5), share="self")
    s.forward(randn(2, 3, 4, 6), share="self")
    s.forward(q, randn(4, 6), randn(4, 6))
    s.forward(q, randn(5, 2, 6), randn(4, 2, 6))
    s.forward(q, share="self", mask=bool_mask(3, 4))
    s.forward(q, share="self", mask=bool_mask(3, 4, 4))
    s.forward(q, share="self", mask=torch.zeros(4, 4, dtype=torch.int64))
    s.forward(q, share="self", mask=bool_mask(1, 1, 4, 4))
    s.forward(q, share="self", kpm=bool_mask(2, 3))
    s.forward(q, share="self", kpm=bool_mask(2, 4, 1))
    s.forward(q, share="self", kpm=torch.zeros(2, 4, dtype=torch.int64))
    s.forward(q, share="self", kpm=randn(2, 4), mask=randn(4, 4))
    s.forward(q[:, 0], share="self", mask=bool_mask(3, 4, 4))
    cases.append(s.case())
    return cases


def transformer_cases():
    cases = []
    for act in ("relu", "gelu"):
        for nf in (False, True):
            for bf in (False, True):
                s = Script()
                d, h, ff = 8, 2, 16
                s.new(rng.randrange(100), "tel", d, h, ff, float.hex(0.0), act, float.hex(1e-5), int(bf), int(nf))
                s.inspect()
                s.randomize()
                x = seq_first(5, 3, d, bf)
                s.forward(x)
                s.forward(x, mask=nn.Transformer.generate_square_subsequent_mask(5), kpm=bool_mask(3, 5))
                cases.append(s.case())
    s = Script()
    s.new(3, "tel", 8, 4, 12, float.hex(0.2), "gelu", float.hex(1e-6), 1, 1)
    s.randomize()
    s.forward(randn(2, 5, 8), mask=nn.Transformer.generate_square_subsequent_mask(5), seed=9)
    cases.append(s.case())
    for n, norm in ((1, 0), (3, 1), (2, 0)):
        s = Script()
        s.new(rng.randrange(100), "enc", 8, 2, 16, float.hex(0.0), "gelu", float.hex(1e-5), 1, 1, n, norm)
        s.inspect()  # the copies' state equals layers.0's: deep copies, no draws
        s.forward(randn(3, 6, 8), mask=nn.Transformer.generate_square_subsequent_mask(6))
        s.randomize()
        s.forward(randn(3, 6, 8), mask=nn.Transformer.generate_square_subsequent_mask(6), kpm=bool_mask(3, 6))
        cases.append(s.case())
    s = Script()
    s.new(1, "tel", 8, 2, 16, float.hex(0.0), "tanh", float.hex(1e-5), 0, 0)
    s2 = Script()
    s2.new(1, "enc", 8, 2, 16, float.hex(0.0), "relu", float.hex(1e-5), 0, 0, 2, 0)
    s2.forward(randn(3, 2, 8), kpm=torch.zeros(2, 3, dtype=torch.int64))
    cases += [s.case(), s2.case()]
    return cases


# ---- comparing ----

def is_bits(tok):
    return len(tok) in (8, 16) and all(c in "0123456789abcdef" for c in tok)


def split_line(text):
    toks = text.split()
    n = len(toks)
    while n and is_bits(toks[n - 1]):
        n -= 1
    return toks[:n], [from_bits(t) for t in toks[n:]], toks[n:]


EXACTNESS = {"bit for bit": 0, "within tolerance": 0}


def lines_match(got, want, exact):
    if len(got) != len(want):
        return False
    for a, b in zip(got, want):
        ha, va, ta = split_line(a)
        hb, vb, tb = split_line(b)
        if ha != hb or len(va) != len(vb):
            return False
        if ta == tb:
            EXACTNESS["bit for bit"] += bool(ta)
            continue
        if exact or ha[0] == "key":
            return False
        EXACTNESS["within tolerance"] += 1
        rtol = RTOL["float32" if len(tb[0] if tb else "") == 8 else "float64"]
        scale = max((abs(x) for x in vb if math.isfinite(x)), default=0.0)
        if not all(close(x, y, rtol, scale=scale) for x, y in zip(va, vb)):
            return False
    return True


def fd_match(got):
    """Float64 cases: the analytic gradients (gq, gk, gv) against ctorch's central differences."""
    by_tag = {}
    for text in got:
        head, vals, _ = split_line(text)
        by_tag[head[0]] = vals
    for g in ("q", "k", "v"):
        a, b = by_tag.get("g" + g), by_tag.get("fd" + g)
        if a is None or b is None or len(a) != len(b):
            return False
        scale = max((abs(x) for x in b), default=0.0)
        if not all(close(x, y, 1e-6, scale=scale) for x, y in zip(a, b)):
            return False
    return True


def main():
    cases = sdpa_cases() + mha_cases() + transformer_cases()
    answers = run_c(sys.argv[1], [c[0] for c in cases])
    chk = Checker("oracle_attention")
    for (text, want, fd), got_text in zip(cases, answers):
        got = got_text.rstrip("\n").split("\n") if got_text.strip() else []
        got_main = [g for g in got if not g.startswith("fd")]
        ok = lines_match(got_main, want, exact=False)
        chk.check(ok, f"case {text[:160]}...\n{first_difference(got_main, want)}")
        if fd:
            chk.check(fd_match(got), f"gradcheck {text[:160]}...\n" + "\n".join(x[:200] for x in got))
    print("value lines: " + ", ".join(f"{n} {k}" for k, n in EXACTNESS.items()))
    chk.finish()


if __name__ == "__main__":
    main()
