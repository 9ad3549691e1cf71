"""nn modules against torch.nn, after the same manual_seed (C side: oracle_nn.c).

Both sides build the same model from a spec (grammar in oracle_nn.c): every layer, custom
modules (own parameters mixed with children, one-line and multi-line extra_repr),
Sequentials of Sequentials. Compared:
  * reprs, byte for byte (nested indentation, each layer's extra_repr, float formatting);
  * named_parameters (names, order, shapes, requires_grad, values bit for bit) and
    state_dict keys;
  * forward on random inputs of several ranks, also transposed (non-contiguous) views:
    output shape, grad_fn name, whether the output *is* the input, values;
  * gradients after backward with a random output gradient: every parameter's .grad and
    the input's (Embedding's padding row stays zero, frozen parameters get None);
  * Dropout: train-mode outputs bit-identical (same masks from the same generator, same
    scaling), generator position afterwards, identity in eval mode;
  * train/eval propagation to every submodule, zero_grad with set_to_none True/False;
  * load_state_dict: strict and non-strict, missing/unexpected keys (PyTorch's per-module
    rule and order), size mismatches, None values, float64 values; the error text exactly;
  * save/load as a directory of .npy files: files written by ctorch are read back with
    np.load/torch.from_numpy and must equal the torch model's state_dict bit for bit (and
    np.save's bytes); state dicts exported from torch with np.save (float32, float64,
    Fortran order, extra/missing files, wrong shapes) load into the ctorch model and give
    the same parameters and forward outputs.
Values are compared bit for bit, except downstream of GEMM (Linear) and of transcendental
activations (Tanh, Sigmoid, GELU, Softmax, LogSoftmax, SiLU, Mish, ELU, Softplus) and
EmbeddingBag's backward, whose kernels round differently from PyTorch's: float32, |a - b| <= 1e-5 + 1e-5 |b|.
"""
import io
import os
import random
import re
import shutil
import struct
import sys
import tempfile
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from harness import Checker, run_c  # noqa: E402

RTOL = ATOL = 1e-5
# (EmbeddingBag: PyTorch's backward accumulates rows with BLAS axpy, fused multiply-adds.)
APPROX_LAYERS = ("Linear", "Tanh", "Sigmoid", "GELU", "Softmax", "LogSoftmax", "SiLU", "Mish", "ELU", "Softplus",
                 "EmbeddingBag")


# ---- building torch models from specs ----

class Custom(nn.Module):
    def forward(self, x):
        for m in self._modules.values():
            x = m(x)
        for p in self._parameters.values():
            x = x + p
        return x


CUSTOM = {
    "Net": type("Net", (Custom,), {}),
    "Block": type("Block", (Custom,), {"extra_repr": lambda self: "hidden=3"}),
    "Encoder": type("Encoder", (Custom,), {"extra_repr": lambda self: "a=1\nb=2"}),
    "MultilayerPerceptron": type("MultilayerPerceptron", (Custom,), {}),
}


def shape_of(s):
    return () if s == "s" else tuple(int(v) for v in s.split("x"))


class SpecParser:
    def __init__(self, text):
        self.s, self.i = text, 0

    def peek(self):
        return self.s[self.i] if self.i < len(self.s) else ""

    def take(self, pattern):
        m = re.compile(pattern).match(self.s, self.i)
        self.i = m.end()
        return m.group(0)

    def args(self):
        """Comma-separated numeric/'n' arguments up to ')'."""
        text = self.take(r"[^)]*")
        self.take(r"\)")
        return text.split(",") if text else []

    def module(self):
        name = self.take(r"[A-Za-z]+")
        if name in CUSTOM:
            return self.custom(CUSTOM[name])
        has_args = self.peek() == "("
        if has_args:
            self.take(r"\(")
        if name == "Sequential":
            return nn.Sequential(*self.items(keyed=False))
        if name == "ModuleList":
            return nn.ModuleList(self.items(keyed=False))
        if name == "ModuleDict":
            return nn.ModuleDict(self.items(keyed=True))
        a = self.args() if has_args else []
        if name == "Linear":
            return nn.Linear(int(a[0]), int(a[1]), bias=a[2] != "0")
        if name == "Embedding":
            return nn.Embedding(int(a[0]), int(a[1]), padding_idx=None if a[2] == "n" else int(a[2]))
        if name == "LeakyReLU":
            return nn.LeakyReLU(float(a[0]))
        if name == "Dropout":
            return nn.Dropout(float(a[0]))
        if name in ("Softmax", "LogSoftmax"):
            return getattr(nn, name)(dim=int(a[0]))
        if name == "Flatten":
            return nn.Flatten(int(a[0]), int(a[1]))
        if name == "EmbeddingBag":
            return nn.EmbeddingBag(int(a[0]), int(a[1]), mode=["sum", "mean", "max"][int(a[2])],
                                   padding_idx=None if a[3] == "n" else int(a[3]))
        if name == "Bilinear":
            return nn.Bilinear(int(a[0]), int(a[1]), int(a[2]), bias=a[3] != "0")
        if name == "ELU":
            return nn.ELU(float(a[0]))
        if name == "Hardtanh":
            return nn.Hardtanh(float(a[0]), float(a[1]))
        if name == "Softplus":  # an integral value as PyTorch's int defaults
            return nn.Softplus(*(int(float(v)) if float(v).is_integer() else float(v) for v in a))
        return getattr(nn, name)()

    def items(self, keyed):
        """The comma-separated modules (keyed: "key=spec" pairs) up to ')'."""
        items = []
        while self.peek() != ")":
            key = None
            if keyed:
                key = self.take(r"[^=]+")
                self.take("=")
            items.append((key, self.module()) if keyed else self.module())
            if self.peek() == ",":
                self.take(",")
        self.take(r"\)")
        return items

    def custom(self, cls):
        m = cls()
        self.take(r"\(")
        while self.peek() != ")":
            is_param = self.peek() == "@"
            if is_param:
                self.take("@")
            name = self.take(r"[^=]+")
            self.take("=")
            if is_param:
                m.register_parameter(name, nn.Parameter(torch.randn(shape_of(self.take(r"[^,)]+")))))
            else:
                m.add_module(name, self.module())
            if self.peek() == ",":
                self.take(",")
        self.take(r"\)")
        return m


# ---- the torch side of each command ----

def hexs(t):
    t = t.detach().contiguous().reshape(-1)
    if t.dtype == torch.float32:
        return "".join(f" {v & 0xFFFFFFFF:08x}" for v in t.view(torch.int32).tolist())
    if t.dtype == torch.int64:
        return "".join(f" {v}" for v in t.tolist())
    return "".join(f" {v & 0xFFFFFFFFFFFFFFFF:016x}" for v in t.view(torch.int64).tolist())


def shape_str(t):
    return "[" + ", ".join(str(d) for d in t.shape) + "]"


def grad_line(label, t):
    if t.grad is None:
        return f"{label} None\n"
    return f"{label} {shape_str(t.grad)} |{hexs(t.grad)}\n"


class TorchCase:
    def __init__(self):
        self.model = self.leaf = self.x = self.y = None

    def submodule(self, path):
        return self.model if path == "-" else self.model.get_submodule(path)

    def grads(self):
        out = "".join(grad_line(f"G {n}", p) for n, p in self.model.named_parameters())
        if self.leaf is not None and self.leaf.is_floating_point():
            out += grad_line("GX", self.leaf)
        return out

    def run(self, cmd):
        tok = cmd.split()
        op = tok[0]
        if op == "seed":
            torch.manual_seed(int(tok[1]))
            return "ok\n"
        if op == "build":
            self.model = SpecParser(tok[1]).module()
            return "ok\n"
        if op == "repr":
            return repr(self.model) + "\n"
        if op == "params":
            return "".join(f"P {n} {shape_str(p)} rg={int(p.requires_grad)} |{hexs(p)}\n"
                           for n, p in self.model.named_parameters())
        if op == "keys":
            return "K" + "".join(" " + k for k in self.model.state_dict()) + "\n"
        if op == "modes":
            return "M" + "".join(f" {int(m.training)}" for m in self.model.modules()) + "\n"
        if op == "train":
            self.submodule(tok[1]).train(tok[2] == "1")
            return "ok\n"
        if op == "freeze":
            self.submodule(tok[1]).requires_grad_(tok[2] == "1")
            return "ok\n"
        if op == "in":
            self.leaf = torch.randn(shape_of(tok[1]))
            self.leaf.requires_grad_(tok[2] == "1")
            self.x = self.leaf
            return "ok\n"
        if op == "ini":
            self.leaf = self.x = torch.randint(int(tok[1]), int(tok[2]), shape_of(tok[3]))
            return "ok\n"
        if op == "tr":
            self.x = self.x.transpose(int(tok[1]), int(tok[2]))
            return "ok\n"
        if op == "fwd":
            self.y = self.model(self.x)
            fn = self.y.grad_fn.name() if self.y.grad_fn is not None else "None"
            return f"Y {shape_str(self.y)} fn={fn} same={int(self.y is self.x)} |{hexs(self.y)}\n"
        if op == "back":
            self.y.backward(torch.randn(self.y.shape))
            return self.grads()
        if op == "grads":
            return self.grads()
        if op == "zero":
            self.model.zero_grad(set_to_none=tok[1] == "1")
            return self.grads()
        if op == "rand":
            return "R |" + hexs(torch.rand(3)) + "\n"
        if op == "lsd":
            return self.load_atomically(self.lsd_dict(tok[2]), tok[1] == "1")
        if op == "save":
            return check_saved(tok[1], self.model)
        if op == "load":
            sd = {f[:-4]: torch.from_numpy(np.load(os.path.join(tok[1], f)))
                  for f in sorted(os.listdir(tok[1])) if f.endswith(".npy") and len(f) > 4}
            return self.load_atomically(sd, True)
        raise SystemExit(f"unknown command {op}")

    def load_atomically(self, sd, strict):
        """load_state_dict; on failure the model is restored. PyTorch copies the matching
        entries before it raises; ctorch validates first and changes nothing (by design), so
        the parameters printed after a failed load must be the ones from before it."""
        before = {k: v.clone() for k, v in self.model.state_dict().items()}
        try:
            self.model.load_state_dict(sd, strict=strict)
        except Exception:
            with torch.no_grad():
                for k, v in self.model.state_dict().items():
                    v.copy_(before[k])
            raise
        return "ok\n"

    @staticmethod
    def lsd_dict(text):
        sd = {}
        for entry in text.split(","):
            name, shape, *dt = entry.split(":")
            sd[name] = None if shape == "none" else torch.randn(
                shape_of(shape), dtype=torch.float64 if dt == ["f64"] else torch.float32)
        return sd


def check_saved(directory, model):
    """What ctorch wrote must be exactly np.save of torch's state_dict, one file per key."""
    sd = model.state_dict()
    files = sorted(os.listdir(directory))
    if files != sorted(k + ".npy" for k in sd):
        return f"files {files}\n"
    for k, v in sd.items():
        path = os.path.join(directory, k + ".npy")
        back = torch.from_numpy(np.load(path))
        if back.dtype != v.dtype or back.shape != v.shape or not torch.equal(back, v):
            return f"values of {k} differ\n"
        buf = io.BytesIO()
        np.save(buf, v.numpy())
        with open(path, "rb") as f:
            if f.read() != buf.getvalue():
                return f"bytes of {k} differ from np.save\n"
    return "ok\n"


def torch_side(case):
    state = TorchCase()
    out = []
    for cmd in case.split(";"):
        try:
            out.append(state.run(cmd.strip()))
        except (RuntimeError, ValueError, KeyError, IndexError, AssertionError) as e:
            msg = e.args[0] if isinstance(e, KeyError) and e.args else str(e)
            out.append(f"ERR {msg}\n")
    return "".join(out)


# ---- comparison ----

def floats(hex_values):
    return [struct.unpack("<f", struct.pack("<I", int(h, 16)))[0] for h in hex_values]


def lines_match(got, want, approx):
    if got == want:
        return True
    if not approx or " | " not in got or " | " not in want:
        return False
    g_meta, g_vals = got.split(" | ", 1)
    w_meta, w_vals = want.split(" | ", 1)
    g, w = g_vals.split(), w_vals.split()
    if g_meta != w_meta or len(g) != len(w) or g_meta.startswith("P "):
        return False
    return all(abs(a - b) <= ATOL + RTOL * abs(b) for a, b in zip(floats(g), floats(w)))


def answers_match(got, want, approx):
    g, w = got.split("\n"), want.split("\n")
    return len(g) == len(w) and all(lines_match(a, b, approx) for a, b in zip(g, w))


# ---- cases ----

def rand_shape(rng, last, rank):
    return "x".join([str(rng.randint(1, 4)) for _ in range(rank - 1)] + [str(last)])


LAYERS_REPR = [
    "Linear(4,3,1)", "Linear(4,3,0)", "Linear(0,2,1)", "Embedding(10,3,0)", "Embedding(10,3,n)",
    "Embedding(10,3,-1)", "Embedding(5,2,-5)", "Embedding(7,2,4)", "LeakyReLU(0.01)", "LeakyReLU(0.2)",
    "LeakyReLU(1.0)", "LeakyReLU(0.30000000000000004)", "LeakyReLU(1e-05)", "LeakyReLU(-2.5)",
    "LeakyReLU(100000000000000000.0)", "Dropout(0.5)", "Dropout(0.0)", "Dropout(1.0)", "Dropout(0.1)",
    "Dropout(0.3333333333333333)", "Softmax(1)", "Softmax(-1)", "LogSoftmax(0)", "Flatten(1,-1)",
    "Flatten(0,2)", "GELU", "ReLU", "Sigmoid", "Tanh", "Identity", "Sequential()",
    "SiLU", "Mish", "ELU(1.0)", "ELU(0.5)", "ELU(-2.25)", "Hardtanh(-1.0,1.0)", "Hardtanh(0.0,6.0)",
    "Hardtanh(-0.1,1e-05)", "Softplus(1,20)", "Softplus(2,10)", "Softplus(0.5,3.5)", "Softplus(-1,20)",
    "ModuleList()", "ModuleDict()", "ModuleList(Linear(2,2,1),ReLU,Linear(2,3,0),ModuleList(SiLU,Linear(3,1,1)))",
    "ModuleDict(b=Linear(2,2,1),a=ReLU,z=ModuleDict(q=Linear(1,1,0)),l=ModuleList(Mish))",
    "Net(blocks=ModuleList(Linear(4,3,1),SiLU),heads=ModuleDict(x=Linear(3,3,0),y=ELU(1.0)),@s=3)",
    "Bilinear(3,4,5,1)", "Bilinear(2,3,1,0)", "Bilinear(1,1,1,1)", "Bilinear(4,0,2,1)",
    "Net(pair=Bilinear(2,2,3,1),fc=Linear(3,1,1))",
    "EmbeddingBag(10,3,1,n)", "EmbeddingBag(10,3,0,2)", "EmbeddingBag(10,3,2,-1)", "EmbeddingBag(5,2,1,0)",
]

MODELS = [
    "Sequential(Linear(5,3,1),ReLU,Linear(3,5,1),Sigmoid)",
    "MultilayerPerceptron(model=Sequential(Linear(5,3,1),ReLU,Linear(3,5,1),Sigmoid))",
    "Sequential(Sequential(Linear(4,4,1),Tanh),Sequential(Sequential(Linear(4,2,0),LeakyReLU(0.1)),Identity))",
    "Net(fc1=Linear(4,3,1),act=GELU,@scale=2,fc2=Linear(3,2,1),@shift=1x2)",
    "Block(@w=1x2,inner=Encoder(l=Linear(3,3,0),@b=3),out=Sequential(Linear(3,2,1),Softmax(-1)))",
    "Encoder(first=Sequential(Linear(3,3,1)),@p=s,last=Block(x=Identity))",
    "Net(@only=4)",
    "Block()",
    "Encoder()",
    "Sequential(Linear(3,3,1),Dropout(0.5),Linear(3,2,0),LogSoftmax(1))",
    "Sequential(Flatten(1,-1),Linear(6,2,1))",
    "Sequential(Linear(4,3,1),Mish,Linear(3,3,0),Hardtanh(-0.5,0.5),Linear(3,2,1),Softplus(2,1))",
]


def add_layer_cases(add, rng):
    for spec in LAYERS_REPR:
        add(f"seed 0 ; build {spec} ; repr ; params ; keys ; modes")
    add("build Sequential(" + ",".join(LAYERS_REPR[:12]) + ")" + " ; repr")
    for spec in MODELS:
        seed = rng.choice([0, 1, 7, 42])
        add(f"seed {seed} ; build {spec} ; repr ; params ; keys ; modes ; train - 0 ; modes")
    # Constructor errors (PyTorch's texts).
    for spec in ["Linear(-1,3,1)", "Linear(3,-2,0)", "Linear(-1,-2,1)", "Embedding(-1,3,n)", "Embedding(3,-1,n)",
                 "Embedding(10,3,10)", "Embedding(10,3,-11)", "Embedding(0,3,0)", "Embedding(-1,3,0)",
                 "Embedding(-1,3,-1)", "Dropout(1.5)", "Dropout(-0.1)", "Dropout(2.0)",
                 "Sequential(Linear(2,2,1),Linear(-1,2,1),ReLU)", "ModuleList(Linear(2,2,1),Linear(-1,2,1))",
                 "Bilinear(-1,2,3,1)", "Bilinear(2,3,-4,0)", "EmbeddingBag(10,3,1,10)", "EmbeddingBag(10,3,1,-11)"]:
        add(f"build {spec}")


def add_forward_cases(add, rng):
    seeds = [0, 3, 11, 2024]
    # Linear on 1-D .. 4-D inputs, with and without bias, contiguous and transposed.
    for rank in (1, 2, 3, 4):
        for bias in (1, 0):
            for rg in (1, 0):
                i, o = rng.randint(1, 6), rng.randint(1, 5)
                seed = rng.choice(seeds)
                add(f"seed {seed} ; build Linear({i},{o},{bias}) ; in {rand_shape(rng, i, rank)} {rg} ; fwd ; back")
            if rank >= 2:
                # A non-contiguous input: transpose(0, -1) of a tensor whose first dim is in_features.
                i, o = rng.randint(2, 5), rng.randint(1, 4)
                dims = rand_shape(rng, i, rank).split("x")
                dims[0], dims[-1] = dims[-1], str(rng.randint(2, 4))
                add(f"seed 5 ; build Linear({i},{o},{bias}) ; in {'x'.join(dims)} 1 ; tr 0 -1 ; fwd ; back")
    add("seed 1 ; build Linear(0,3,1) ; in 2x0 1 ; fwd ; back")
    add("seed 1 ; build Linear(3,0,1) ; in 2x3 1 ; fwd ; back")
    # Errors from the functional op (shapes, dtypes).
    add("seed 1 ; build Linear(3,4,1) ; in 2x5 1 ; fwd")
    add("seed 1 ; build Linear(3,4,1) ; ini 0 3 2x3 ; fwd")
    # Embedding: with/without padding_idx (also negative), indices of several ranks.
    for num, dim, pad in [(10, 3, "0"), (10, 3, "n"), (10, 3, "-1"), (6, 4, "-6"), (7, 2, "3"), (20, 5, "n")]:
        for shape in ["5", "3x4", "2x2x3", "s"]:
            seed = rng.choice(seeds)
            add(f"seed {seed} ; build Embedding({num},{dim},{pad}) ; ini 0 {num} {shape} ; fwd ; back")
    add("seed 2 ; build Embedding(4,2,0) ; ini 0 1 6 ; fwd ; back")  # only padding rows
    for spec in ("EmbeddingBag(10,3,0,n)", "EmbeddingBag(10,3,1,2)", "EmbeddingBag(10,3,2,n)", "EmbeddingBag(6,4,1,-1)"):
        for shape in ("3x4", "1x5", "4x1"):
            add(f"seed {rng.choice(seeds)} ; build {spec} ; ini 0 {spec.split('(')[1].split(',')[0]} {shape} ; fwd ; back")
    add("seed 2 ; build Embedding(4,2,1) ; ini 4 6 3 ; fwd")  # out of range
    add("seed 2 ; build Embedding(4,2,1) ; in 3 0 ; fwd")  # float indices
    # Activations and utilities on inputs of several ranks, contiguous and transposed.
    acts = ["ReLU", "Sigmoid", "Tanh", "GELU", "Identity", "LeakyReLU(0.01)", "LeakyReLU(0.2)", "LeakyReLU(-1.5)",
            "Softmax(1)", "Softmax(-1)", "Softmax(0)", "LogSoftmax(1)", "LogSoftmax(-1)", "Flatten(1,-1)",
            "Flatten(0,-1)", "Flatten(1,1)", "Flatten(-2,-1)", "SiLU", "Mish", "ELU(1.0)", "ELU(0.3)",
            "Hardtanh(-1.0,1.0)", "Hardtanh(-0.25,2.0)", "Softplus(1,20)", "Softplus(2,0.5)"]
    for act in acts:
        for rank in (2, 3, 4):
            seed = rng.choice(seeds)
            shape = rand_shape(rng, rng.randint(1, 5), rank)
            add(f"seed {seed} ; build {act} ; in {shape} 1 ; fwd ; back")
            add(f"seed {seed} ; build {act} ; in {shape} 1 ; tr 0 1 ; fwd ; back")
        add(f"seed 9 ; build {act} ; in 4 0 ; fwd")
    add("seed 9 ; build Softmax(2) ; in 3x4 1 ; fwd")
    add("seed 9 ; build Flatten(0,3) ; in 3x4 1 ; fwd")
    # Composite models: forward, backward, zero_grad both ways, frozen parts.
    for spec in MODELS:
        first = int(re.search(r"Linear\((\d+)", spec).group(1)) if "Linear(" in spec else 4
        if spec.startswith("Sequential(Flatten"):
            shape = "2x2x3"
        elif spec.startswith("Net(@only"):
            shape = "3x4"
        elif spec.startswith(("Block()", "Encoder()")):
            shape = "2x3"
        else:
            shape = f"{rng.randint(1, 4)}x{first}"
        seed = rng.choice(seeds)
        add(f"seed {seed} ; build {spec} ; in {shape} 1 ; fwd ; back ; zero 0 ; zero 1")
        add(f"seed {seed} ; build {spec} ; freeze - 0 ; params ; in {shape} 1 ; fwd ; back")
        add(f"seed {seed} ; build {spec} ; in {shape} 1 ; fwd ; back ; in {shape} 1 ; fwd ; back ; zero 0 ; "
            "in {shape} 0 ; fwd ; back".replace("{shape}", shape))
    add("seed 4 ; build Net(fc1=Linear(4,3,1),act=GELU,@scale=2,fc2=Linear(3,2,1),@shift=1x2) ; freeze fc1 0 ; "
        "freeze fc2 0 ; freeze fc2 1 ; params ; in 5x4 1 ; fwd ; back ; freeze - 0 ; in 5x4 0 ; fwd")
    add("seed 4 ; build Sequential(Sequential(Linear(4,4,1),Tanh),Sequential(Sequential(Linear(4,2,0),"
        "LeakyReLU(0.1)),Identity)) ; freeze 1.0.0 0 ; params ; in 3x4 1 ; fwd ; back")
    add("seed 8 ; build Sequential(Embedding(10,4,0),Flatten(1,-1),Linear(12,1,1),Sigmoid) ; ini 0 10 2x3 ; "
        "fwd ; back ; zero 0")
    add("seed 8 ; build Sequential(Identity,Identity) ; in 2x2 1 ; fwd ; build Sequential() ; fwd")


def add_dropout_cases(add, rng):
    for p in [0.5, 0.1, 0.9, 0.3333333333333333, 0.0, 1.0, 0.999]:
        for shape in ["7", "3x5", "2x3x4", "40x50", "1000"]:
            seed = rng.choice([0, 1, 123, 2**33 + 1])
            add(f"seed {seed} ; build Dropout({p}) ; in {shape} 1 ; fwd ; back ; rand")
        add(f"seed 3 ; build Dropout({p}) ; in 4x6 1 ; tr 0 1 ; fwd ; back ; rand")
        add(f"seed 3 ; build Dropout({p}) ; train - 0 ; in 4x6 1 ; fwd ; back ; rand")
        add(f"seed 3 ; build Dropout({p}) ; in 0x3 1 ; fwd ; rand")
    # Train/eval propagation through nested modules decides whether masks are drawn.
    spec = "Net(a=Dropout(0.5),b=Sequential(Dropout(0.2),Identity),c=Block(d=Dropout(0.7)))"
    add(f"seed 6 ; build {spec} ; modes ; in 6x5 1 ; fwd ; back ; rand")
    add(f"seed 6 ; build {spec} ; train - 0 ; modes ; in 6x5 1 ; fwd ; rand")
    add(f"seed 6 ; build {spec} ; train b 0 ; modes ; in 6x5 1 ; fwd ; back ; rand")
    add(f"seed 6 ; build {spec} ; train - 0 ; train c 1 ; modes ; in 6x5 1 ; fwd ; back ; rand ; train - 1 ; "
        "modes ; fwd ; rand")


def add_state_dict_cases(add):
    """Every load is followed by `params`: after a failed load they must be unchanged."""
    lin = "Net(fc=Linear(3,2,1),@s=2)"
    seq = "Sequential(Linear(3,2,1),Sequential(Linear(2,2,0)),ReLU)"
    for strict in (1, 0):
        for entries in [
            "s:2,fc.weight:2x3,fc.bias:2", "fc.bias:2,s:2:f64,fc.weight:2x3:f64", "fc.weight:2x3",
            "s:2,fc.weight:2x3,fc.bias:2,zz:1,fc.extra:3,a.b:1", "s:3,fc.weight:3x2,fc.bias:2",
            "s:2,fc.weight:2x3,fc.bias:none", "fc.weight:2x4,extra:1",
            # keys PyTorch's per-module rule never calls unexpected: a child's own name, names below a parameter
            "fc:1,s.x:1,fc.weight.y:1,s:2,fc.weight:2x3,fc.bias:2",
        ]:
            add(f"seed 1 ; build {lin} ; lsd {strict} {entries} ; params")
        for entries in ["0.weight:2x3,0.bias:2,1.0.weight:2x2",
                        "2.weight:1,1.0.bias:2,1.1.weight:1,0.weight:2x3,0.bias:2,1.0.weight:2x2,3:1",
                        "0.bias:2", "0.weight:3x2,0.bias:3,1.0.weight:2x2"]:
            add(f"seed 1 ; build {seq} ; lsd {strict} {entries} ; params")
        add(f"seed 1 ; build ReLU ; lsd {strict} x:1")
        add(f"seed 1 ; build Linear(2,2,1) ; lsd {strict} weight:s,bias:2 ; params")
        # The legacy rule: a 1-D value for a 0-d parameter gives its first element.
        for value in ["3", "1", "s", "1x1", "0", "2:f64"]:
            add(f"seed 1 ; build Net(@p=s,@q=2) ; lsd {strict} p:{value},q:2 ; params")


def add_io_cases(add, exports, tmp, rng):
    """Save/load round trips through .npy directories, both directions."""
    n = [0]

    def new_dir():
        n[0] += 1
        return os.path.join(tmp, f"d{n[0]}")

    specs = MODELS + ["Sequential(Embedding(10,4,0),Flatten(1,-1),Linear(12,1,1),Sigmoid)", "ReLU"]
    for spec in specs:
        d = new_dir()
        add(f"seed 3 ; build {spec} ; save {d} ; seed 4 ; build {spec} ; load {d} ; params")
    # Torch state dicts exported with np.save, loaded into ctorch, then forward.
    for spec in MODELS:
        first = int(re.search(r"Linear\((\d+)", spec).group(1)) if "Linear(" in spec else 4
        shape = "2x2x3" if spec.startswith("Sequential(Flatten") else "3x4" if "@only" in spec else \
            "2x3" if spec.startswith(("Block()", "Encoder()")) else f"3x{first}"
        for variant in ["f32", "f64", "fortran"]:
            d = new_dir()
            exports[d] = (spec, rng.randint(0, 1000), variant)
            add(f"seed 9 ; build {spec} ; load {d} ; params ; train - 0 ; in {shape} 1 ; fwd ; back")
    emb = "Sequential(Embedding(10,4,0),Flatten(1,-1),Linear(12,1,1),Sigmoid)"
    d = new_dir()
    exports[d] = (emb, 77, "f32")
    add(f"seed 9 ; build {emb} ; load {d} ; params ; ini 0 10 2x3 ; fwd ; back")
    # Broken exports: missing/extra files, wrong shapes (the text of the error).
    base = "Net(fc1=Linear(4,3,1),act=GELU,@scale=2,fc2=Linear(3,2,1),@shift=1x2)"
    for variant in ["missing", "extra", "shape", "extra_missing_shape"]:
        d = new_dir()
        exports[d] = (base, 5, variant)
        add(f"seed 9 ; build {base} ; load {d}")
    add(f"seed 9 ; build {base} ; save {new_dir()} ; params")


def write_export(directory, spec, seed, variant):
    torch.manual_seed(seed)
    model = SpecParser(spec).module()
    os.makedirs(directory)
    sd = model.state_dict()
    keys = list(sd)
    for i, (k, v) in enumerate(sd.items()):
        arr = v.numpy()
        if variant == "f64":
            arr = arr.astype(np.float64) * 1.0000001  # not exactly float32 values: rounding on load
        elif variant == "fortran":
            arr = np.asfortranarray(arr)
        elif variant in ("shape", "extra_missing_shape") and i == len(keys) - 1:
            arr = np.zeros((arr.size + 1,), np.float32)
        if variant in ("missing", "extra_missing_shape") and i == 0:
            continue
        np.save(os.path.join(directory, k + ".npy"), arr)
    if variant in ("extra", "extra_missing_shape"):
        np.save(os.path.join(directory, "zzz.npy"), np.zeros(1, np.float32))
        np.save(os.path.join(directory, "fc1.bogus.npy"), np.zeros(1, np.float32))
        with open(os.path.join(directory, "notes.txt"), "w") as f:
            f.write("not a tensor\n")


def main():
    warnings.simplefilter("ignore")
    rng = random.Random(20240607)
    tmp = tempfile.mkdtemp(prefix="oracle_nn_")
    try:
        cases, exports = [], {}
        add_layer_cases(cases.append, rng)
        add_forward_cases(cases.append, rng)
        add_dropout_cases(cases.append, rng)
        add_state_dict_cases(cases.append)
        add_io_cases(cases.append, exports, tmp, rng)
        for directory, (spec, seed, variant) in exports.items():
            write_export(directory, spec, seed, variant)
        got = run_c(sys.argv[1], cases)
        checker = Checker("nn")
        for case, answer in zip(cases, got):
            want = torch_side(case)
            approx = any(layer in case for layer in APPROX_LAYERS)
            checker.check(answers_match(answer, want, approx), f"case {case!r}\n--- ctorch:\n{answer}--- torch:\n{want}")
        checker.finish()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
