"""The autograd engine against PyTorch: gradient accumulation, backward(gradient), the
engine's errors, retain_graph, shared subexpressions and diamonds, deep chains, no_grad,
detach, requires_grad_, .grad assignment and zeroing, in-place ops inside graphs, and
grad_fn graphs walked through next_functions; plus random expression DAGs in float64.

A case is a program: commands separated by ';' on numbered tensor registers, run by the
C program and by the interpreter below on torch. Commands that answer print one line;
both sides' lines are compared, gradient and value lines ("g ...", "v ...") to within
1e-12 times the line's largest magnitude (at least 1), everything else (errors, graphs,
flags) exactly. Graphs that only use ops whose backward rounds once (float32 accumulation)
are thereby compared exactly.

  leaf R DTYPE NDIM SHAPE... VALUES... RG     a new leaf (row-major values) in register R
  op R NAME ARGS...                           R = NAME(ARGS) (registers / ints / floats);
                                              on failure prints "err <message>", R unchanged
  chain R SRC N OP                            R = OP applied N times to SRC
  backward R G RETAIN                         backward of R with gradient register G (-1:
                                              none), retain_graph RETAIN: "ok" / "err ..."
  grad R | value R | info R | graph R         .grad values / values / "info <requires_grad>
                                              <is_leaf> <grad_fn>" / the grad_fn graph
  version R                                   R._version
  shares A B                                  whether A and B share storage
  nograd | endnograd                          enter / leave torch.no_grad()
  requires_grad_ R FLAG | set_requires_grad R FLAG   R.requires_grad_(FLAG) / R.requires_grad = FLAG
  set_grad R G | zero_grad R                  R.grad = register G (-1: None) / R.grad.zero_()

A graph prints each node once, numbered in breadth-first order of first visits:
"#k Name(edges)" with an edge a node number, None, or L<register> for a leaf's
AccumulateGrad.

Cases that PyTorch runs differently from ctorch today (engine gaps reported to the
engine's owner) are in KNOWN_DIVERGENCES; they run only with ORACLE_KNOWN=1.
"""
import os
import random
import sys
import warnings

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checker, run_c  # noqa: E402

DTYPES = {"bool": torch.bool, "int32": torch.int32, "int64": torch.int64,
          "float32": torch.float32, "float64": torch.float64}
RTOL = 1e-12


def fmt(v):
    return format(float(v), ".17g")


def error_text(ex):
    return str(ex).split("\n")[0]


class Interpreter:
    """Runs a program on torch and returns the answer lines."""

    def __init__(self):
        self.reg, self.out, self.modes = {}, [], []

    def r(self, tok):
        return self.reg[int(tok)]

    def forward(self, name, a):
        r = self.r
        binary = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div, "matmul": torch.matmul}
        if name in binary:
            return binary[name](r(a[0]), r(a[1]))
        if name == "mul_":
            return r(a[0]).mul_(r(a[1]))
        if name == "add_":
            return r(a[0]).add_(r(a[1]))
        if name == "copy_":
            return r(a[0]).copy_(r(a[1]))
        if name == "relu_":
            return r(a[0]).relu_()
        unary = {"exp": torch.exp, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "sum": torch.sum, "mean": torch.mean,
                 "t": torch.t, "squeeze": torch.squeeze, "clone": torch.clone, "detach": torch.Tensor.detach,
                 "double": torch.Tensor.double}
        if name in unary:
            return unary[name](r(a[0]))
        if name == "cat" or name == "stack":
            n = int(a[0])
            ts = [r(x) for x in a[1:1 + n]]
            return (torch.cat if name == "cat" else torch.stack)(ts, int(a[1 + n]))
        x = r(a[0])
        if name == "add_scalar":
            return x + float(a[1])
        if name == "mul_scalar":
            return x * float(a[1])
        if name == "div_scalar":
            return x / float(a[1])
        if name == "mul_scalar_":
            return x.mul_(float(a[1]))
        if name == "sum_dim":
            return x.sum(int(a[1]), keepdim=bool(int(a[2])))
        if name == "mean_dim":
            return x.mean(int(a[1]), keepdim=bool(int(a[2])))
        if name == "transpose":
            return x.transpose(int(a[1]), int(a[2]))
        if name == "unsqueeze":
            return x.unsqueeze(int(a[1]))
        if name == "select":
            return x.select(int(a[1]), int(a[2]))
        if name == "narrow":
            return x.narrow(int(a[1]), int(a[2]), int(a[3]))
        ints = [int(v) for v in a[2:2 + int(a[1])]]
        return {"permute": x.permute, "view": x.view, "reshape": x.reshape, "expand": x.expand}[name](ints)

    def status(self, fn):
        try:
            fn()
            self.out.append("ok")
        except RuntimeError as ex:
            self.out.append(f"err {error_text(ex)}")

    def graph(self, fn):
        if fn is None:
            return " None"
        seen = [fn]
        leaf_reg = {}
        for k, v in self.reg.items():
            if v is not None and v.is_leaf and v.requires_grad:
                leaf_reg.setdefault(id(v), k)
        text = ""

        def number(c):
            for i, s in enumerate(seen):
                if s is c:
                    return i
            seen.append(c)
            return len(seen) - 1
        k = 0
        while k < len(seen):
            f = seen[k]
            edges = []
            for c, _ in f.next_functions:
                if c is None:
                    edges.append("None")
                elif type(c).__name__ == "AccumulateGrad":
                    edges.append(f"L{leaf_reg.get(id(c.variable), -1)}")
                else:
                    edges.append(str(number(c)))
            text += f" #{k} {type(f).__name__}({','.join(edges)})"
            k += 1
        return text

    def values(self, t):
        return "".join(" nan" if v != v else " " + fmt(v) for v in t.detach().reshape(-1).tolist())

    def run(self, program):
        for cmd in program.split(";"):
            tok = cmd.split()
            if not tok:
                continue
            name, a = tok[0], tok[1:]
            if name == "leaf":
                nd = int(a[2])
                shape = [int(v) for v in a[3:3 + nd]]
                n = 1
                for s in shape:
                    n *= s
                vals = [float.fromhex(v) for v in a[3 + nd:3 + nd + n]]
                t = torch.tensor(vals, dtype=torch.float64).reshape(shape).to(DTYPES[a[1]], copy=True)
                if int(a[3 + nd + n]):
                    t.requires_grad_()
                self.reg[int(a[0])] = t
            elif name == "op":
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        self.reg[int(a[0])] = self.forward(a[1], a[2:])
                except (RuntimeError, IndexError) as ex:
                    self.out.append(f"err {error_text(ex)}")  # the register keeps its tensor
            elif name == "chain":
                x = self.r(a[1])
                for _ in range(int(a[2])):
                    x = torch.tanh(x) if a[3] == "tanh" else x * 1.0001 if a[3] == "mul_scalar" else x + x
                self.reg[int(a[0])] = x
            elif name == "backward":
                root, g = self.r(a[0]), int(a[1])
                self.status(lambda: root.backward(self.reg[g] if g >= 0 else None, retain_graph=bool(int(a[2]))))
            elif name == "grad":
                with warnings.catch_warnings():  # .grad of what became a non-leaf
                    warnings.simplefilter("ignore")
                    g = self.r(a[0]).grad
                self.out.append("g" + (" None" if g is None else self.values(g)))
            elif name == "value":
                self.out.append("v" + self.values(self.r(a[0])))
            elif name == "version":
                self.out.append(f"version {self.r(a[0])._version}")
            elif name == "info":
                t = self.r(a[0])
                fn = type(t.grad_fn).__name__ if t.grad_fn is not None else "None"
                self.out.append(f"info {int(t.requires_grad)} {int(t.is_leaf)} {fn}")
            elif name == "graph":
                self.out.append("graph" + self.graph(self.r(a[0]).grad_fn))
            elif name == "shares":
                x, y = self.r(a[0]), self.r(a[1])
                self.out.append(f"shares {int(x.storage().data_ptr() == y.storage().data_ptr())}")
            elif name == "nograd":
                self.modes.append(torch.is_grad_enabled())
                torch.set_grad_enabled(False)
            elif name == "endnograd":
                torch.set_grad_enabled(self.modes.pop())
            elif name == "requires_grad_":
                t = self.r(a[0])
                self.status(lambda: t.requires_grad_(bool(int(a[1]))))
            elif name == "set_requires_grad":
                t = self.r(a[0])
                self.status(lambda: setattr(t, "requires_grad", bool(int(a[1]))))
            elif name == "set_grad":
                t, g = self.r(a[0]), int(a[1])
                self.status(lambda: setattr(t, "grad", self.reg[g] if g >= 0 else None))
            elif name == "zero_grad":
                t = self.r(a[0])
                if t.grad is not None:
                    t.grad.zero_()
            else:
                raise ValueError(name)
        while self.modes:
            torch.set_grad_enabled(self.modes.pop())
        return "".join(line + "\n" for line in self.out)


def lines_match(got, want):
    """Exact, except numbers on g/v lines: within RTOL of the line's largest magnitude."""
    g, w = got.split("\n"), want.split("\n")
    if len(g) != len(w):
        return False
    for a, b in zip(g, w):
        if a == b:
            continue
        ta, tb = a.split(), b.split()
        if not ta or ta[0] not in ("g", "v") or len(ta) != len(tb) or ta[0] != tb[0]:
            return False
        try:
            va, vb = [float(x) for x in ta[1:]], [float(x) for x in tb[1:]]
        except ValueError:
            return False
        scale = max([abs(x) for x in vb if x == x] + [1.0])
        for x, y in zip(va, vb):
            if x != x and y != y:
                continue
            if not abs(x - y) <= RTOL * scale:
                return False
    return True


def differing_lines(got, want):
    g, w = got.split("\n"), want.split("\n")
    text = "" if len(g) == len(w) else f"({len(g)} lines from ctorch, {len(w)} from torch)\n"
    for k in range(max(len(g), len(w))):
        a, b = (g[k] if k < len(g) else "<none>"), (w[k] if k < len(w) else "<none>")
        if not lines_match(a, b):
            text += f"line {k}:\n--- ctorch: {a[:600]}\n--- torch:  {b[:600]}\n"
    return text


# ---- programs ----------------------------------------------------------------------

class Program:
    """Builds a command string; registers are handed out in order."""

    def __init__(self, rng):
        self.rng, self.cmds, self.next_reg = rng, [], 0

    def reg(self):
        self.next_reg += 1
        return self.next_reg - 1

    def leaf(self, shape, dtype="float64", rg=True, values=None, lo=-2.0, hi=2.0):
        n = 1
        for s in shape:
            n *= s
        if values is None:
            values = [self.rng.uniform(lo, hi) for _ in range(n)]
            if dtype == "float32":
                values = torch.tensor(values, dtype=torch.float32).tolist()
            elif dtype not in ("float32", "float64"):
                values = [float(self.rng.randint(-5, 5)) for _ in range(n)]
        r = self.reg()
        self.cmds.append(f"leaf {r} {dtype} {len(shape)} " + " ".join(str(s) for s in shape) +
                         " " + " ".join(float(v).hex() for v in values) + f" {int(rg)}")
        return r

    def op(self, name, *args):
        r = self.reg()
        self.cmds.append(f"op {r} {name} " + " ".join(str(a) for a in args))
        return r

    def inplace(self, name, *args):  # the result is the first operand
        self.cmds.append(f"op {args[0]} {name} " + " ".join(str(a) for a in args))
        return args[0]

    def cmd(self, text):
        self.cmds.append(text)

    def text(self):
        return ";".join(self.cmds)


# ---- random expression DAGs --------------------------------------------------------

class Value:
    """A value of a random graph: its register, shape, a bound on its magnitude (so exp
    and div stay well conditioned), and its layout: `nc` when a view made it
    non-contiguous (the same strides on both sides), `odd` when it is an elementwise or
    reduction result of such a value: PyTorch's TensorIterator then keeps the input's
    layout where ctorch allocates row-major (see known_divergences), so reshape and
    matmul, whose graphs depend on the layout, are not applied to it."""

    def __init__(self, reg, shape, bound, nc=False, odd=False):
        self.reg, self.shape, self.bound, self.nc, self.odd = reg, list(shape), bound, nc, odd


class Dag:
    """Random float64 expression graphs over broadcastable values."""

    def __init__(self, rng):
        self.rng, self.p = rng, Program(rng)
        self.vals = []
        self.leaves = []
        self.used = set()  # registers some op has read

    def add(self, reg, shape, bound, inputs=(), view=None):
        """Records op output `reg`; `view`: None for a computed result, else whether the
        view may be non-contiguous."""
        if view is None:  # computed from inputs
            odd = any(v.nc or v.odd for v in inputs)
            v = Value(reg, shape, bound, False, odd)
        else:
            v = Value(reg, shape, bound, view or any(i.nc for i in inputs), any(i.odd for i in inputs))
        self.vals.append(v)
        return v

    def fresh(self, reg, shape, bound):  # matmul, cat, stack, full reductions: row-major on both sides
        v = Value(reg, shape, bound)
        self.vals.append(v)
        return v

    def new_leaf(self, shape, rg=None):
        rg = self.rng.random() < 0.8 if rg is None else rg
        r = self.p.leaf(shape, rg=rg)
        self.leaves.append((r, rg))
        return self.fresh(r, shape, 2.0)

    def pick(self, pred=lambda v: True):
        cands = [v for v in self.vals if pred(v)]
        if not cands:
            return None
        # Recent values more often: deeper graphs.
        v = cands[min(len(cands) - 1, int(len(cands) * (1 - self.rng.random() ** 2)))]
        self.used.add(v.reg)
        return v

    def broadcast(self, a, b):
        try:
            return list(torch.broadcast_shapes(torch.Size(a), torch.Size(b)))
        except RuntimeError:
            return None

    def step(self):
        rng, p = self.rng, self.p
        kind = rng.random()
        x = self.pick()
        r, shape, bound = x.reg, x.shape, x.bound
        nd = len(shape)
        if kind < 0.3:  # binary elementwise
            y = self.pick(lambda v: self.broadcast(shape, v.shape) is not None)
            out = self.broadcast(shape, y.shape)
            op = rng.choice(["add", "sub", "mul", "div"])
            if op == "div":
                den = p.op("add_scalar", p.op("sigmoid", y.reg), 0.5)
                return self.add(p.op("div", r, den), out, bound * 2, (x, y))
            if op == "mul":
                return self.add(p.op("mul", r, y.reg), out, bound * y.bound, (x, y))
            return self.add(p.op(op, r, y.reg), out, bound + y.bound, (x, y))
        if kind < 0.45:  # unary
            if bound <= 4 and rng.random() < 0.4:
                return self.add(p.op("exp", r), shape, 2.72 ** bound, (x,))
            op = rng.choice(["tanh", "sigmoid", "mul_scalar", "add_scalar"])
            if op in ("tanh", "sigmoid"):
                return self.add(p.op(op, r), shape, 1.0, (x,))
            c = rng.choice([0.5, -1.5, 2.0, 3.0])
            return self.add(p.op(op, r, c), shape, bound * abs(c) if op == "mul_scalar" else bound + abs(c), (x,))
        if kind < 0.55:  # reductions
            if nd and rng.random() < 0.6:
                d = rng.randint(-nd, nd - 1)
                keep = rng.random() < 0.5
                op = rng.choice(["sum_dim", "mean_dim"])
                out = list(shape)
                if keep:
                    out[d] = 1
                else:
                    del out[d]
                n = shape[d] if op == "sum_dim" else 1
                return self.add(p.op(op, r, d, int(keep)), out, bound * max(n, 1), (x,))
            op = rng.choice(["sum", "mean"])
            n = 1
            for s in shape:
                n *= s
            return self.fresh(p.op(op, r), [], bound * (n if op == "sum" else 1))
        if kind < 0.65 and nd >= 1 and not x.odd:  # matmul with a new weight or an existing value
            k = shape[-1]
            cands = [v for v in self.vals if len(v.shape) in (1, 2) and v.shape[0] == k and v.reg != r and not v.odd]
            if cands and rng.random() < 0.5:
                w = rng.choice(cands)
                self.used.add(w.reg)
            else:
                w = self.new_leaf([k] if rng.random() < 0.3 else [k, rng.randint(1, 3)])
            out = list(torch.matmul(torch.zeros(shape), torch.zeros(w.shape)).shape)
            return self.fresh(p.op("matmul", r, w.reg), out, bound * w.bound * max(k, 1))
        if kind < 0.9:  # views
            op = rng.choice(["transpose", "permute", "reshape", "unsqueeze", "squeeze", "expand", "select",
                             "narrow", "t", "clone"])
            if op in ("transpose", "permute", "select", "narrow", "t") and nd == 0:
                op = "unsqueeze"
            if op == "reshape" and x.odd:
                op = "clone"
            if op == "transpose":
                a, b = rng.randrange(nd), rng.randrange(nd)
                out = list(shape)
                out[a], out[b] = out[b], out[a]
                return self.add(p.op(op, r, a, b), out, bound, (x,), view=True)
            if op == "t":
                if nd > 2:
                    op = "permute"
                else:
                    return self.add(p.op("t", r), shape[::-1], bound, (x,), view=True)
            if op == "permute":
                perm = list(range(nd))
                rng.shuffle(perm)
                return self.add(p.op(op, r, nd, *perm), [shape[i] for i in perm], bound, (x,), view=True)
            if op == "reshape":
                n = 1
                for s in shape:
                    n *= s
                divs = [d for d in range(1, n + 1) if n % d == 0] or [1]
                a = rng.choice(divs)
                out = [a, n // a] if rng.random() < 0.6 else [n]
                return self.add(p.op(op, r, len(out), *out), out, bound, (x,), view=False)
            if op == "unsqueeze":
                d = rng.randint(0, nd)
                return self.add(p.op(op, r, d), shape[:d] + [1] + shape[d:], bound, (x,), view=False)
            if op == "squeeze":
                return self.add(p.op(op, r), [s for s in shape if s != 1], bound, (x,), view=False)
            if op == "expand":
                out = [rng.choice([1, 2, 3])] * rng.randint(0, 1) + [rng.choice([2, 3]) if s == 1 else s
                                                                       for s in shape]
                return self.add(p.op(op, r, len(out), *out), out, bound, (x,), view=True)
            if op == "select":
                d = rng.randrange(nd)
                if shape[d] == 0:
                    return None
                return self.add(p.op(op, r, d, rng.randrange(shape[d])), shape[:d] + shape[d + 1:], bound, (x,),
                                view=True)
            if op == "narrow":
                d = rng.randrange(nd)
                start = rng.randint(0, shape[d])
                length = rng.randint(0, shape[d] - start)
                out = list(shape)
                out[d] = length
                return self.add(p.op(op, r, d, start, length), out, bound, (x,), view=True)
            return self.add(p.op("clone", r), shape, bound, (x,), view=False)  # keeps the layout
        # cat / stack of values of equal shape (or differing along one dim for cat)
        same = [v for v in self.vals if v.shape == shape]
        n = rng.randint(1, 3)
        parts = [rng.choice(same) for _ in range(n)]
        self.used.update(v.reg for v in parts)
        if rng.random() < 0.5 or nd == 0:
            d = rng.randint(-nd - 1, nd)
            out = shape[:d % (nd + 1)] + [n] + shape[d % (nd + 1):]
            return self.fresh(p.op("stack", n, *[v.reg for v in parts], d), out, bound)
        d = rng.randint(-nd, nd - 1)
        out = list(shape)
        out[d] *= n
        return self.fresh(p.op("cat", n, *[v.reg for v in parts], d), out, bound)

    def build(self):
        rng = self.rng
        base = [rng.randint(1, 4) for _ in range(rng.randint(0, 3))]
        for _ in range(rng.randint(1, 4)):
            shape = [s if rng.random() < 0.7 else 1 for s in base]
            shape = shape[rng.randint(0, len(shape)):] if rng.random() < 0.3 else shape
            self.new_leaf(shape, rg=None if self.leaves else True)
        for _ in range(rng.randint(2, 14)):
            last = self.vals[-1]
            if last.bound > 1e6:  # keep magnitudes reasonable
                self.add(self.p.op("tanh", last.reg), last.shape, 1.0, (last,))
                continue
            self.step()
        # The root gathers every value nothing read (so every leaf counts): the last one,
        # plus the weighted sums of the others.
        p = self.p
        shape = self.vals[-1].shape
        root = self.vals[-1].reg
        for v in self.vals[:-1]:
            if v.reg not in self.used:
                root = p.op("add", root, p.op("sum", p.op("mul_scalar", v.reg, rng.choice([0.5, -1.0, 2.0]))))
        if rng.random() < 0.3 and shape:  # backward(gradient) of the non-scalar root
            g = p.leaf(shape, rg=False)
            p.cmd(f"graph {root}")
            p.cmd(f"backward {root} {g} 0")
        else:
            if shape:
                root = p.op(rng.choice(["sum", "mean"]), root)
            p.cmd(f"graph {root}")
            p.cmd(f"backward {root} -1 0")
        for r, rg in self.leaves:
            if rg:
                p.cmd(f"grad {r}")
        return p.text()


# ---- scenarios -----------------------------------------------------------------------

def rand_shape(rng, lo=1, hi=3, smax=4):
    return [rng.randint(1, smax) for _ in range(rng.randint(lo, hi))]


def scenario_accumulate(rng):
    """Several backward passes over fresh graphs accumulate into .grad."""
    p = Program(rng)
    shape = rand_shape(rng, 0)
    # float32 graphs use ops whose backward rounds once (tanh/sigmoid backward kernels
    # are not pinned to PyTorch's bits): the accumulated .grad must then match exactly.
    dt = rng.choice(["float32", "float64"])
    x = p.leaf(shape, dt)
    y = p.leaf(shape, dt)
    for _ in range(rng.randint(2, 4)):
        if dt == "float64":
            z = p.op("tanh", p.op(rng.choice(["mul", "add", "div"]), x, p.op("sigmoid", y)))
        else:
            z = p.op(rng.choice(["mul", "add", "sub"]), p.op("mul", x, y), p.op("mul_scalar", x, 0.5))
        p.cmd(f"backward {p.op('sum', z)} -1 0")
        p.cmd(f"grad {x}")
        p.cmd(f"grad {y}")
    return p.text()


def scenario_backward_gradient(rng):
    """backward(gradient) on non-scalar roots, including a float32 root given float64."""
    p = Program(rng)
    shape = rand_shape(rng)
    dt = rng.choice(["float32", "float64"])
    x = p.leaf(shape, dt)
    y = p.op("mul", p.op("exp", x), x)
    g = p.leaf(shape, rng.choice([dt, "float64"]), rg=False)
    p.cmd(f"backward {y} {g} 0")
    p.cmd(f"grad {x}")
    return p.text()


def scenario_errors(rng):
    p = Program(rng)
    shape = rand_shape(rng)
    x = p.leaf(shape)
    y = p.op("mul", x, x)
    which = rng.randrange(7)
    if which == 0:  # non-scalar without gradient
        p.cmd(f"backward {y} -1 0")
    elif which == 1:  # gradient of the wrong shape
        bad = list(shape)
        bad[rng.randrange(len(bad))] += 1
        g = p.leaf(bad if rng.random() < 0.7 else bad + [1], rg=False)
        p.cmd(f"backward {y} {g} 0")
    elif which == 2:  # a tensor that does not require grad
        z = p.leaf(shape, rg=False)
        p.cmd(f"backward {p.op('sum', z)} -1 0")
    elif which == 3:  # a leaf root: its gradient is the given one
        g = p.leaf(shape, rg=False)
        p.cmd(f"backward {x} {g} 0")
    elif which == 4:  # a one-element non-scalar root needs no gradient
        s = p.op("sum_dim", p.op("reshape", y, 2, 1, -1), 1, 1)
        p.cmd(f"backward {s} -1 0")
    elif which == 5:  # a gradient that is itself wrong for a scalar root
        g = p.leaf([1], rg=False)
        p.cmd(f"backward {p.op('sum', y)} {g} 0")
    else:  # both wrong: the gradient's shape is reported first
        z = p.leaf(shape, rg=False)
        g = p.leaf(shape + [2], rg=False)
        p.cmd(f"backward {z} {g} 0")
    p.cmd(f"grad {x}")
    return p.text()


# x * 2.0 and x / 2.0 fail too (torch saves the scalar as a tensor); x + 2.0 does not.
BACKWARD_TWICE_OPS = ["mul", "exp", "tanh", "sigmoid", "div", "matmul", "add", "sub", "mean", "sum", "expand",
                      "narrow", "cat", "double", "clone", "view", "mul_scalar", "div_scalar", "add_scalar",
                      "mul_scalar_"]


def scenario_backward_twice(rng):
    """Without retain_graph the second backward fails where a saved tensor is needed;
    with it, the second pass accumulates."""
    p = Program(rng)
    n = rng.randint(1, 4)
    x = p.leaf([n])
    op = rng.choice(BACKWARD_TWICE_OPS)
    if op in ("mul", "div", "add", "sub", "matmul"):
        y = p.op(op, x, x)
    elif op == "mul_scalar":
        y = p.op(op, x, 2.0)
    elif op in ("div_scalar", "add_scalar"):
        y = p.op(op, x, 2.0)
    elif op == "mul_scalar_":
        y = p.inplace(op, p.op("clone", x), 2.0)
    elif op in ("exp", "tanh", "sigmoid", "double", "clone"):
        y = p.op(op, x)
    elif op == "expand":
        y = p.op("expand", p.op("unsqueeze", x, 0), 2, 3, n)
    elif op == "narrow":
        y = p.op("narrow", x, 0, 0, 1)
    elif op == "cat":
        y = p.op("cat", 2, x, x, 0)
    elif op == "view":
        y = p.op("view", x, 2, 1, n)
    else:
        y = p.op(op, x)
    s = p.op("sum", y)
    retain = int(rng.random() < 0.5)
    p.cmd(f"backward {s} -1 {retain}")
    p.cmd(f"grad {x}")
    p.cmd(f"backward {s} -1 {int(rng.random() < 0.5)}")
    p.cmd(f"grad {x}")
    return p.text()


def scenario_shared(rng):
    """One value used many times; diamonds of views and arithmetic."""
    p = Program(rng)
    shape = rand_shape(rng, 1, 2)
    x = p.leaf(shape)
    a = p.op("tanh", x)
    b = p.op("mul", a, a)
    c = p.op("add", b, a)
    d = p.op("mul", p.op("exp", a), c)
    e = p.op("sub", d, p.op("mul_scalar", b, 3.0))
    f = p.op("add", p.op("sum", e), p.op("mean", p.op("mul", a, c)))
    p.cmd(f"graph {f}")
    p.cmd(f"backward {f} -1 0")
    p.cmd(f"grad {x}")
    return p.text()


def scenario_deep_chain(rng, long=False):
    """10000 ops in a row: no recursion in backward or in freeing the graph."""
    p = Program(rng)
    x = p.leaf([rng.randint(1, 3)], values=None, lo=-0.5, hi=0.5)
    y = p.reg()
    op = rng.choice(["tanh", "mul_scalar"])
    p.cmd(f"chain {y} {x} {100000 if long else 10000} {op}")
    p.cmd(f"backward {p.op('sum', y)} -1 0")
    p.cmd(f"grad {x}")
    return p.text()


def scenario_no_grad(rng):
    p = Program(rng)
    x = p.leaf(rand_shape(rng))
    p.cmd("nograd")
    y = p.op("mul", p.op("exp", x), x)
    p.cmd(f"info {y}")
    p.cmd("nograd")
    z = p.op("add", y, x)
    p.cmd("endnograd")
    p.cmd(f"info {z}")
    p.cmd("endnograd")
    w = p.op("mul", y, x)
    p.cmd(f"info {w}")
    p.cmd(f"graph {w}")
    p.cmd(f"backward {p.op('sum', w)} -1 0")
    p.cmd(f"grad {x}")
    return p.text()


def scenario_detach(rng):
    p = Program(rng)
    shape = rand_shape(rng)
    x = p.leaf(shape)
    y = p.op("tanh", x)
    d = p.op("detach", y)
    p.cmd(f"info {d}")
    p.cmd(f"shares {d} {y}")
    z = p.op("mul", y, d)  # d is a constant to autograd
    p.cmd(f"graph {z}")
    p.cmd(f"backward {p.op('sum', z)} -1 0")
    p.cmd(f"grad {x}")
    dx = p.op("detach", x)
    p.cmd(f"info {dx}")
    p.cmd(f"shares {dx} {x}")
    p.cmd(f"grad {dx}")
    return p.text()


def scenario_requires_grad(rng):
    p = Program(rng)
    shape = rand_shape(rng)
    x = p.leaf(shape)
    y = p.op("mul_scalar", x, 2.0)
    # On a non-leaf, `y.requires_grad = True` errors but `y.requires_grad_(True)` does not.
    p.cmd(rng.choice([f"requires_grad_ {y} 1", f"requires_grad_ {y} 0", f"set_requires_grad {y} 0",
                      f"set_requires_grad {y} 1"]))
    p.cmd(f"info {y}")
    i = p.leaf(shape, rng.choice(["int64", "int32", "bool"]), rg=False)
    # The two setters word the dtype error differently.
    p.cmd(rng.choice([f"set_requires_grad {i} 1", f"set_requires_grad {i} 0", f"requires_grad_ {i} 0",
                      f"requires_grad_ {i} 1"]))
    p.cmd(f"info {i}")
    f = p.leaf(shape, rng.choice(["float32", "float64"]), rg=False)
    p.cmd(f"requires_grad_ {f} 1")
    p.cmd(f"info {f}")
    p.cmd(f"backward {p.op('sum', p.op('mul', f, x))} -1 0")
    p.cmd(f"grad {f}")
    p.cmd(f"set_requires_grad {f} 0")
    p.cmd(f"info {f}")
    return p.text()


def scenario_set_grad(rng):
    p = Program(rng)
    shape = rand_shape(rng)
    dt = rng.choice(["float32", "float64"])
    x = p.leaf(shape, dt)
    g = p.leaf(shape, dt, rg=False)
    p.cmd(f"set_grad {x} {g}")
    p.cmd(f"grad {x}")
    p.cmd(f"backward {p.op('sum', p.op('mul', x, x))} -1 0")
    p.cmd(f"grad {x}")
    p.cmd(f"zero_grad {x}")
    p.cmd(f"grad {x}")
    bad = list(shape)
    bad[0] += 1
    b1 = p.leaf(bad, dt, rg=False)
    b2 = p.leaf(shape, "float64" if dt == "float32" else "float32", rg=False)
    p.cmd(f"set_grad {x} {rng.choice([b1, b2])}")
    p.cmd(f"set_grad {x} -1")
    p.cmd(f"grad {x}")
    p.cmd(f"backward {p.op('sum', p.op('exp', x))} -1 0")
    p.cmd(f"grad {x}")
    return p.text()


def scenario_views_broadcast(rng):
    """A leaf reached through several views and broadcasts."""
    p = Program(rng)
    m, n = rng.randint(1, 4), rng.randint(1, 4)
    x = p.leaf([m, n])
    b = p.leaf([n])
    t = p.op("t", x)
    col = p.op("unsqueeze", p.op("select", x, 1, rng.randrange(n)), 1)
    y = p.op("add", p.op("mul", x, b), col)
    z = p.op("matmul", t, y)
    e = p.op("expand", p.op("unsqueeze", p.op("sum_dim", x, 0, 1), 0), 3, rng.randint(1, 3), 1, n)
    s = p.op("add", p.op("sum", z), p.op("mean", p.op("mul", e, b)))
    p.cmd(f"graph {s}")
    p.cmd(f"backward {s} -1 0")
    p.cmd(f"grad {x}")
    p.cmd(f"grad {b}")
    return p.text()


def scenario_inplace(rng):
    """In-place ops on non-leaves inside graphs; on a leaf that requires grad (error)."""
    p = Program(rng)
    shape = rand_shape(rng)
    x = p.leaf(shape)
    w = p.leaf(shape)
    y = p.op("mul_scalar", x, 1.5)
    which = rng.randrange(5)
    if which == 0:
        p.inplace("mul_", y, w)
    elif which == 1:
        p.inplace("add_", y, p.op("tanh", w))
    elif which == 2:
        p.inplace("mul_scalar_", y, -2.0)
    elif which == 3:  # copy_ into a non-leaf
        p.inplace("copy_", y, p.op("exp", w))
    else:  # into the leaf itself
        p.inplace(rng.choice(["mul_", "add_"]), x, w)
    p.cmd(f"info {y}")
    p.cmd(f"graph {y}")
    z = p.op("mul", y, y)
    p.cmd(f"backward {p.op('sum', z)} -1 0")
    p.cmd(f"grad {x}")
    p.cmd(f"grad {w}")
    return p.text()


def scenario_versions(rng):
    """In-place writes bump the version counter that views and detached aliases share;
    backward fails, naming the tensor as torch does, when something it saved was written
    after it was saved, and works when only unsaved values were."""
    p = Program(rng)
    shape = rand_shape(rng)
    x = p.leaf(shape)
    w = p.leaf(shape, rg=False)
    y = p.op("mul_scalar", x, 1.5)
    v = p.op("detach", y) if rng.random() < 0.5 else p.op("select", y, 0, 0)

    def write(t):
        op = rng.choice(["mul_scalar_", "add_", "copy_", "mul_"])
        p.inplace(op, t, -2.0 if op == "mul_scalar_" else w)
    which = rng.randrange(8)
    if which == 0:  # a saved input written under grad mode: named by its new grad_fn
        z = p.op("mul", y, y)
        write(y)
    elif which == 1:  # ... under no_grad: its grad_fn is unchanged
        z = p.op("mul", y, y)
        p.cmd("nograd")
        write(y)
        p.cmd("endnograd")
    elif which == 2:  # ... through a detached alias
        z = p.op("mul", y, y)
        d = p.op("detach", y)
        write(d)
    elif which == 3:  # a saved output (exp's and relu_'s result) written: named by its node
        z = p.op(rng.choice(["exp", "tanh"]), y) if rng.random() < 0.6 else p.inplace("relu_", y)
        write(z)
    elif which == 4:  # a saved leaf that does not require grad
        z = p.op("mul", x, w)
        write(w)
    elif which == 5:  # a saved leaf that requires grad, written under no_grad
        z = p.op("mul", x, x)
        p.cmd("nograd")
        write(x)
        p.cmd("endnograd")
    elif which == 6:  # written twice, once before the save
        write(y)
        z = p.op("mul", y, w)
        write(w)
        write(w)
    else:  # only values backward does not need were written
        z = p.op("add", p.op("exp", x), y)
        write(y)
    for t in (x, w, y, v, z):
        p.cmd(f"version {t}")
    p.cmd(f"backward {p.op('sum', z)} -1 0")
    p.cmd(f"grad {x}")
    return p.text()


def scenario_inplace_on_views(rng):
    """In-place ops on views. Of a leaf that requires grad: an error under grad mode,
    allowed under no_grad. Of a non-leaf: the base's history becomes CopySlices, and views
    of a written storage get AsStridedBackward0 (graphs and gradients compared). Also
    views of a leaf that does not require grad, views of views, of a detached alias."""
    p = Program(rng)
    m, n = rng.randint(1, 3), rng.randint(2, 4)
    x = p.leaf([m, n], rg=rng.random() < 0.8)
    w = p.leaf([n], rg=rng.random() < 0.3)
    r = rng.random()
    base = p.op("detach", x) if r < 0.15 else p.op("mul_scalar", x, 1.5) if r < 0.55 else x
    kind = rng.randrange(4)
    if kind == 0:
        v = p.op("select", base, 0, rng.randrange(m))
    elif kind == 1:
        v = p.op("narrow", p.op("select", base, 0, 0), 0, 0, n)  # a view of a view
    elif kind == 2:
        v = p.op("view", p.op("narrow", base, 0, 0, 1), 1, n)
    else:
        v = p.op("select", p.op("t", base), 1, 0)
    sibling = p.op("select", base, 0, m - 1)  # made before the write
    nograd = rng.random() < 0.25
    if nograd:
        p.cmd("nograd")
    op = rng.choice(["mul_", "add_", "mul_scalar_", "copy_", "relu_"])
    if op == "mul_scalar_":
        p.inplace(op, v, -2.0)
    elif op == "relu_":
        p.inplace(op, v)
    else:
        p.inplace(op, v, w)
    if nograd:
        p.cmd("endnograd")
    p.cmd(f"info {v}")
    p.cmd(f"info {sibling}")
    p.cmd(f"graph {base}")
    p.cmd(f"version {x}")
    p.cmd(f"value {base}")
    loss = p.op("add", p.op("sum", p.op("mul_scalar", base, 2.0)),
                p.op("add", p.op("sum", p.op("mul", v, v)), p.op("sum", sibling)))
    p.cmd(f"backward {loss} -1 0")
    p.cmd(f"grad {x}")
    p.cmd(f"grad {w}")
    return p.text()


def scenario_int_grad(rng):
    p = Program(rng)
    shape = rand_shape(rng)
    i = p.leaf(shape, "int64", rg=False)
    x = p.leaf(shape)
    y = p.op("mul", x, i)  # int operand: no edge for it
    p.cmd(f"info {y}")
    p.cmd(f"graph {y}")
    p.cmd(f"backward {p.op('sum', y)} -1 0")
    p.cmd(f"grad {x}")
    p.cmd(f"set_requires_grad {i} 1")
    return p.text()


SCENARIOS = [(scenario_accumulate, 30), (scenario_backward_gradient, 30), (scenario_errors, 60),
             (scenario_backward_twice, 100), (scenario_shared, 15), (scenario_deep_chain, 4),
             (lambda rng: scenario_deep_chain(rng, long=True), 1),
             (scenario_no_grad, 15), (scenario_detach, 15), (scenario_requires_grad, 30), (scenario_set_grad, 20),
             (scenario_views_broadcast, 30), (scenario_inplace, 40), (scenario_int_grad, 10),
             (scenario_versions, 100), (scenario_inplace_on_views, 120)]

def known_divergences():
    """Programs where PyTorch and ctorch differ today, outside this test's files (the
    engine, src/autograd/node.c, and in-place ops): run with ORACLE_KNOWN=1 to see them."""
    rng = random.Random(7)
    progs = []
    # Elementwise results keep a permuted input's layout in PyTorch (TensorIterator),
    # ctorch's are row-major: reshape then views in one and copies in the other.
    p = Program(rng)
    x = p.leaf([2, 3])
    y = p.op("mul_scalar", p.op("t", x), 1.0)
    p.cmd(f"graph {p.op('reshape', y, 1, 6)}")
    progs.append(p.text())
    return progs


def main():
    rng = random.Random(20241127)
    torch.manual_seed(0)
    programs = []
    for gen, count in SCENARIOS:
        programs += [gen(rng) for _ in range(count)]
    n_dags = 400
    programs += [Dag(rng).build() for _ in range(n_dags)]
    if os.environ.get("ORACLE_KNOWN"):
        programs, n_dags = known_divergences(), 0
    expected = [Interpreter().run(prog) for prog in programs]
    got = run_c(sys.argv[1], programs)
    chk = Checker("autograd", show=int(os.environ.get("ORACLE_SHOW", "10")))
    for prog, g, w in zip(programs, got, expected):
        short = prog if len(prog) < 600 else prog[:600] + " ..."
        chk.check(lines_match(g, w), f"program {short!r}\n{differing_lines(g, w)}")
    print(f"({len(programs) - n_dags} scenario programs, {n_dags} random graphs of "
          f"{sum(p.count(';op ') for p in programs[len(programs) - n_dags:])} ops; "
          f"{sum(w.count('err ') for w in expected)} errors expected)")
    chk.finish()


if __name__ == "__main__":
    main()
