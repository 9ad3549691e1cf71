"""Higher-order gradients, autograd.grad and tensor hooks against PyTorch: Hessian-vector
products, a gradient penalty backpropagated into weights (also through an LSTM),
backward(create_graph=True) differentiated again, and the order and effect of tensor
hooks and retain_grad. Values are float64; second derivatives are composed from other
ops than PyTorch's fused double backward kernels, so they are compared to 1e-12
relative."""
import os
import random
import sys
import warnings

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checker, close, run_c  # noqa: E402

SIZES = {"hvp": 20, "penalty": 14, "backward_create_graph": 3, "hooks": 3, "hvp_ops": 20, "hvp_norm_loss": 52,
         "hvp_index": 32, "hvp_inplace_view": 24, "lstm_penalty": 52}


def t(v, *shape):
    return torch.tensor(v, dtype=torch.float64).reshape(shape).requires_grad_()


def line(name, x):
    if x is None:
        return f"{name} None"
    return name + "".join(f" {float(e)!r}" for e in x.detach().reshape(-1).tolist())


def hvp(v, out):
    w, x, u = t(v[:12], 3, 4), t(v[12:16], 4), torch.tensor(v[16:20], dtype=torch.float64)
    h = torch.tanh(w @ x)
    g, = torch.autograd.grad((h * h).sum(), x, create_graph=True)
    out.append(line("grad", g))
    hx, hw = torch.autograd.grad(g.dot(u), [x, w])
    out += [line("hvp_x", hx), line("hvp_w", hw)]


def penalty(v, out):
    x, w, b = t(v[:6], 2, 3), t(v[6:12], 2, 3), t(v[12:14], 2)
    o = F.softplus(F.linear(torch.sigmoid(x), w, b), 1, 20).sum()
    gx, = torch.autograd.grad(o, x, create_graph=True)
    p = ((gx * gx).sum(1) - 1).pow(2).mean()
    p.backward()
    out += [line("penalty", p), line("w.grad", w.grad), line("b.grad", b.grad), line("x.grad", x.grad)]


def backward_create_graph(v, out):
    x = t(v, 3)
    (x.exp() * torch.log_softmax(x, 0)).sum().backward(create_graph=True)
    out.append(line("x.grad", x.grad))
    h, = torch.autograd.grad((x.grad * x.grad).sum(), x)
    out.append(line("ggrad", h))


def hooks(v, out):
    x = t(v, 3)
    y = x * x
    y.retain_grad()

    def hook(name, double=False):
        def fn(g):
            out.append(line(name, g))
            return g * 2 if double else None
        return fn
    y.register_hook(hook("hook_y1", True))
    handle = y.register_hook(hook("hook_removed"))
    y.register_hook(hook("hook_y2"))
    handle.remove()
    x.register_hook(hook("hook_x"))
    (torch.sin(y) * y).sum().backward()
    out += [line("y.grad", y.grad), line("x.grad", x.grad)]
    gy, = torch.autograd.grad(y.exp().sum(), y)
    out.append(line("grad_y", gy))


def grad_and_hvp(f, xs, u, out):
    """Gradient of f with respect to xs (create_graph), then the Hessian-vector product of
    its first entry with u, with respect to all of xs."""
    g = torch.autograd.grad(f, xs, create_graph=True)
    out.append(line("grad", g[0]))
    for i, h in enumerate(torch.autograd.grad((g[0] * u).sum(), xs)):
        out.append(line(f"hvp{i}", h))


def hvp_ops(v, out):
    x, u = t(v[:10], 2, 5), torch.tensor(v[10:20], dtype=torch.float64).reshape(2, 5)
    p = x.split(2, 1)
    f = (torch.tanh(torch.cumprod(x, 1)) * F.silu(x.flip([1]))).sum() \
        + (F.mish(torch.sort(x, 1).values) * F.elu(x.roll(1, 1), 0.7)).sum() \
        + (F.hardtanh(x, -0.5, 0.5) * torch.logcumsumexp(x, 0)).sum() \
        + (p[0] * p[1] * p[2].exp()).sum() + torch.tanh(torch.einsum("ij,kj->ik", x, x)).sum()
    grad_and_hvp(f, [x], u, out)


def hvp_norm_loss(v, out):
    a, w = t(v[:24], 2, 4, 3), t(v[24:28], 4)
    u = torch.tensor(v[28:52], dtype=torch.float64).reshape(2, 4, 3)
    gn = F.group_norm(a, 2, w, None, 1e-5)
    f = F.smooth_l1_loss(gn, torch.tanh(a), beta=0.7) + F.huber_loss(gn, a * a, reduction="sum", delta=0.6) \
        + F.kl_div(torch.log_softmax(gn, 1), torch.softmax(a, 1), reduction="batchmean")
    grad_and_hvp(f, [a, w], u, out)


MASK = torch.tensor([[1, 0, 1, 1], [0, 1, 0, 0], [1, 0, 0, 1]], dtype=torch.bool)


def hvp_index(v, out):
    x, s = t(v[:12], 3, 4), t(v[12:20], 2, 4)
    u = torch.tensor(v[20:32], dtype=torch.float64).reshape(3, 4)
    y = (x * x).index_put((torch.tensor([2, 0]),), s.exp())
    z = y[:, torch.tensor([2, 0, 2])].scatter(0, torch.tensor([[0, 1, 2], [2, 0, 1]]), s[:, :3])
    f = torch.tanh(z).sum() + (x.masked_scatter(MASK, s * s) ** 2).sum()
    grad_and_hvp(f, [x, s], u, out)


def hvp_inplace_view(v, out):
    x, u = t(v[:12], 3, 4), torch.tensor(v[12:24], dtype=torch.float64).reshape(3, 4)
    y = x * 1.5
    y[1:3].mul_(x[0:2])
    y[:, 0].copy_(x[:, 1].exp())
    grad_and_hvp((torch.sin(y) * y).sum(), [x], u, out)


def lstm_penalty(v, out):
    """Gradient penalty through an LSTM (T 2, B 1, I 2, H 2): double backward through the layer."""
    x = t(v[:4], 2, 1, 2)
    lstm = torch.nn.LSTM(2, 2, dtype=torch.float64)
    with torch.no_grad():
        for (name, p), (a, b) in zip(lstm.named_parameters(), [(4, 20), (20, 36), (36, 44), (44, 52)]):
            p.copy_(torch.tensor(v[a:b], dtype=torch.float64).reshape(p.shape))
    o, (h, c) = lstm(x)
    gx, = torch.autograd.grad(torch.tanh(o).sum() + (h * c).sum(), x, create_graph=True)
    p = (gx * gx).sum()
    p.backward()
    out += [line("penalty", p), line("x.grad", x.grad)]
    out += [line(name + ".grad", q.grad) for name, q in lstm.named_parameters()]


def lines_close(got, want):
    g, w = got.split(), want.split()
    if len(g) != len(w) or g[0] != w[0]:
        return False
    return all(a == b or (a not in ("None",) and close(float(a), float(b), 1e-12, 1e-14)) for a, b in zip(g[1:], w[1:]))


def main():
    warnings.filterwarnings("ignore", message="Using backward\\(\\) with create_graph")
    rng = random.Random(0)
    cases, wants = [], []
    for _ in range(6):
        for name, n in SIZES.items():
            v = [rng.uniform(-1.5, 1.5) for _ in range(n)]
            cases.append(name + "".join(f" {e.hex()}" for e in v))
            out = []
            globals()[name](v, out)
            wants.append(out)
    got = run_c(sys.argv[1], cases)
    c = Checker("oracle_autograd_higher")
    for case, g, w in zip(cases, got, wants):
        gl = g.strip("\n").split("\n")
        ok = len(gl) == len(w) and all(lines_close(a, b) for a, b in zip(gl, w))
        c.check(ok, f"case {case}\n--- ctorch:\n" + "\n".join(gl) + "\n--- torch:\n" + "\n".join(w))
    c.finish()


main()
