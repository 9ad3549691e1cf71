"""Runs each seed walkthrough program (examples/seed/<section>.c) and the same cells of
the seed notes in PyTorch, and requires identical output. Trained values (the `training`
section) may differ by float32 rounding: one unit in the last printed digit, or 1e-5
relative for full-precision floats.

Usage: compare_seed.py <dir with seed_<section> binaries> [section ...]
"""
import contextlib
import io
import os
import re
import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim

SECTIONS = {}


def section(fn):
    SECTIONS[fn.__name__] = fn
    return fn


@section
def creation():
    data = [[0, 1], [2, 3], [4, 5]]
    x_python = torch.tensor(data)
    print(x_python)
    np_array = np.array(data)
    x_tensor = torch.from_numpy(np_array)
    print(x_tensor)
    x = torch.tensor([[1., 2], [3, 4]])
    print(x)
    print(torch.zeros_like(x))
    print(torch.ones_like(x))
    print(torch.rand_like(x))
    print(torch.randn_like(x))
    print(torch.Tensor([[1, 2], [3, 4]]))
    print(torch.arange(5))
    print(torch.arange(0.5, 2.5, 0.5))
    print(torch.full((2, 3), 7.0))
    print(torch.eye(3))
    print(torch.rand(2, 3))
    print(torch.randn(2, 3))
    print(torch.randint(0, 10, (2, 4)))


@section
def matrix_ops():
    a = torch.ones((4, 3)) * 6
    print(a)
    b = torch.ones(3) * 2
    print(b)
    print(a / b)
    print(a @ b)
    print(a.matmul(b))
    print(a * b)
    print(a @ a.T)
    u = torch.tensor([1., 2., 3.])
    v = torch.tensor([4., 5.])
    print(torch.outer(u, v))
    print(torch.dot(u, u))
    print(a + b)
    print(a - 1)


@section
def shapes():
    a = torch.ones((4, 3)) * 6
    print(a.shape)
    print(a.T.shape)
    x = torch.arange(1, 7)
    print(x.view(2, 3))
    print(x.view(2, -1))
    print(x.view(-1))
    print(x.view(2, 3).T.contiguous().view(-1))
    print(x.reshape(3, 2).shape)


@section
def reductions():
    x = torch.arange(1, 7)
    x_view = x.view(2, 3)
    print(x_view)
    print(x_view.sum(dim=0))
    print(x_view.sum(dim=1))
    xf = x_view.float()
    print(xf.std(dim=0))
    print(xf.std(dim=1))
    m = torch.tensor([[1., 1.], [2., 2.], [3., 3.], [4., 4.]])
    print("Mean: {}".format(m.mean()))
    print("Mean in the 0th dimension: {}".format(m.mean(0)))
    print("Mean in the 1st dimension: {}".format(m.mean(1)))
    print(m.max())
    print(m.argmax())
    print(m.sum())


@section
def concat():
    x = torch.arange(1, 7)
    a = x.view(2, 3) * 1.0
    print(a)
    print(torch.cat([a, a, a], 0))
    print(torch.cat([a, a, a], 1))
    print(torch.stack([a, a], 0))


@section
def indexing():
    x = torch.Tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]], [[9, 10], [11, 12]]])
    print(x)
    print(x.shape)
    print(x[0])
    print(x[:, 0, 0])
    i = torch.tensor([0, 0, 1, 1])
    print(x[i])
    print(x[0, 0, 0])
    print(x[0, 0, 0].item())
    print(x[1:, :, ::2])


@section
def autograd():
    x = torch.tensor([2.], requires_grad=True)
    print(x.grad)
    y = x * x * 3
    y.backward()
    print(x.grad)
    z = x * x * 3
    z.backward()
    print(x.grad)
    x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    y = x ** 2
    print(y)
    grad_tensor = torch.tensor([[1., 1.], [1., 1.]])
    y.backward(grad_tensor)
    print(x.grad)


@section
def linear():
    inp = torch.ones(2, 3, 4)
    print(inp)
    linear = nn.Linear(4, 2)
    linear_output = linear(inp)
    print(linear_output)
    for p in linear.parameters():
        print(p)
    sigmoid = nn.Sigmoid()
    print(sigmoid(linear_output))


@section
def sequential():
    block = nn.Sequential(nn.Linear(4, 2), nn.Sigmoid())
    print(block)
    inp = torch.ones(2, 3, 4)
    print(block(inp))


class MultilayerPerceptron(nn.Module):
    def __init__(self, input_size, hidden_size):
        super(MultilayerPerceptron, self).__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.model = nn.Sequential(
            nn.Linear(self.input_size, self.hidden_size),
            nn.ReLU(),
            nn.Linear(self.hidden_size, self.input_size),
            nn.Sigmoid())

    def forward(self, x):
        return self.model(x)


@section
def custom_module():
    model = MultilayerPerceptron(5, 3)
    print(model)
    for name, param in model.named_parameters():
        print(name)
        print(param)
    print(model(torch.ones(2, 5)))


@section
def training():
    y = torch.ones(10, 5)
    x = y + torch.randn_like(y)
    print(x)
    model = MultilayerPerceptron(5, 3)
    adam = optim.Adam(model.parameters(), lr=1e-1)
    loss_function = nn.BCELoss()
    y_pred = model(x)
    print(loss_function(y_pred, y).item())
    n_epoch = 10
    for epoch in range(n_epoch):
        adam.zero_grad()
        y_pred = model(x)
        loss = loss_function(y_pred, y)
        print(f"Epoch {epoch}: traing loss: {loss}")
        loss.backward()
        adam.step()
    for name, param in model.named_parameters():
        print(f"Gradient of {name}: {param.grad}")
    y_pred = model(x)
    print(y_pred)


NUMBER = re.compile(r"-?\d+\.?\d*(?:e[+-]\d+)?")


def close_enough(got, want, loose):
    if got == want:
        return True
    if not loose:
        return False
    g_parts, w_parts = NUMBER.split(got), NUMBER.split(want)
    g_nums, w_nums = NUMBER.findall(got), NUMBER.findall(want)
    if g_parts != w_parts or len(g_nums) != len(w_nums):
        return False
    for a, b in zip(g_nums, w_nums):
        if a == b:
            continue
        decimals = len(b.split(".")[1].split("e")[0]) if "." in b else 0
        fa, fb = float(a), float(b)
        if decimals >= 8:
            ok = abs(fa - fb) <= 1e-5 * max(abs(fb), 1e-30)
        else:
            mant = b.split("e")
            scale = 10.0 ** (int(mant[1]) if len(mant) > 1 else 0)
            ok = abs(fa - fb) <= 1.000001 * 10.0 ** -decimals * scale
        if not ok:
            return False
    return True


def main():
    bindir = sys.argv[1]
    wanted = sys.argv[2:] or list(SECTIONS)
    failed = 0
    for name in wanted:
        torch.manual_seed(0)
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            SECTIONS[name]()
        want = buf.getvalue()
        exe = os.path.join(bindir, f"seed_{name}")
        if not os.path.exists(exe):
            print(f"FAIL {name}: {exe} is missing")
            failed += 1
            continue
        proc = subprocess.run([exe], capture_output=True, text=True, timeout=120)
        got = proc.stdout
        loose = name == "training"
        glines, wlines = got.splitlines(), want.splitlines()
        ok = proc.returncode == 0 and len(glines) == len(wlines) and all(
            close_enough(g, w, loose) for g, w in zip(glines, wlines))
        if not ok:
            failed += 1
            print(f"FAIL {name} (exit {proc.returncode})\n--- ctorch:\n{got}{proc.stderr}--- torch:\n{want}")
        else:
            print(f"ok   {name}: {len(wlines)} lines identical" + (" (to float32 rounding)" if loose else ""))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
