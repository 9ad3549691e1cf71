"""PyTorch side of `make bench`: times the same workloads as bench_workloads.c and prints
one `<workload> <median seconds>` line each. Single-threaded, like the ctorch side, except
the `_2t` workloads, which run with 2 threads on both sides."""
import ctypes
import os
import sys
import time

import torch
import torch.nn as nn
import torch.optim as optim

torch.set_num_threads(1)


def median_time(fn, repeats, inner=1):
    fn()  # warm up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t0) / inner)
    times.sort()
    return times[len(times) // 2]


def time_training(model, x, target, loss_function, lr, repeats, inner):
    """Median seconds of one Adam training step (zero_grad, forward, loss, backward, step)."""
    adam = optim.Adam(model.parameters(), lr=lr)

    def step():
        adam.zero_grad()
        loss = loss_function(model(x), target)
        loss.backward()
        adam.step()
    return median_time(step, repeats, inner)


def seed_mlp_step():
    torch.manual_seed(0)
    y = torch.ones(10, 5)
    x = y + torch.randn_like(y)
    model = nn.Sequential(nn.Linear(5, 3), nn.ReLU(), nn.Linear(3, 5), nn.Sigmoid())
    return time_training(model, x, y, nn.BCELoss(), 1e-1, 15, 200)


def mlp784_step():
    torch.manual_seed(0)
    x = torch.randn(128, 784)
    target = torch.randint(0, 10, (128,))
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    return time_training(model, x, target, nn.CrossEntropyLoss(), 1e-3, 9, 5)


def mlp784_step_2t():
    """mlp784_step with torch.set_num_threads(2). That call leaves OpenBLAS's own pool
    alone, so it is set to 2 threads as well, as ct_set_num_threads does on the ctorch side."""
    openblas = ctypes.CDLL("libopenblas.so.0")  # the OpenBLAS torch has loaded
    torch.set_num_threads(2)
    openblas.openblas_set_num_threads(2)
    try:
        return mlp784_step()
    finally:
        torch.set_num_threads(1)
        openblas.openblas_set_num_threads(1)


def word_window_train():
    sys.path.insert(0, sys.argv[1])  # tests/examples: the notebook's code
    import compare_word_window as notebook
    return median_time(lambda: notebook.notebook(0, 1000, []), 3)


def digits_cnn_epoch():
    """One epoch of the digits example (training pass and test accuracy); None (no line)
    when the digits data is not installed."""
    sys.path.insert(0, sys.argv[1])  # tests/examples: the example's PyTorch twin
    import compare_digits_cnn as twin
    path = twin.default_data_path()
    if not os.path.exists(path):
        return None
    model, optimizer, loader, loss_function, test_x, test_y = twin.setup(0, 0.01, 32, path)

    def epoch():
        twin.train_epoch(model, optimizer, loader, loss_function)
        twin.test_accuracy(model, test_x, test_y)
    return median_time(epoch, 7)


def add_4m():
    a, b = torch.rand(4 << 20), torch.rand(4 << 20)
    return median_time(lambda: torch.add(a, b), 21, 5)


def sum_4m():
    a = torch.rand(4 << 20)
    return median_time(lambda: a.sum(), 21, 5)


def conv2d_step():
    """Conv2d(16, 32, 3, padding=1) forward and backward (input, weight, bias) on a
    32x16x32x32 batch, with a given output gradient."""
    torch.manual_seed(0)
    conv = nn.Conv2d(16, 32, 3, padding=1)
    x = torch.randn(32, 16, 32, 32).requires_grad_()
    grad_out = torch.randn(32, 32, 32, 32)

    def step():
        conv.zero_grad(set_to_none=True)
        x.grad = None
        conv(x).backward(grad_out)
    return median_time(step, 15, 3)


def lstm_step():
    """LSTM(64, 128, num_layers=2, batch_first) on 32 sequences of 50 steps: forward,
    backward of a given output gradient, Adam step."""
    torch.manual_seed(0)
    lstm = nn.LSTM(64, 128, num_layers=2, batch_first=True)
    x = torch.randn(32, 50, 64)
    grad_out = torch.randn(32, 50, 128)
    optimizer = torch.optim.Adam(lstm.parameters(), lr=1e-3)

    def step():
        optimizer.zero_grad(set_to_none=True)
        lstm(x)[0].backward(grad_out)
        optimizer.step()
    return median_time(step, 9, 3)


def char_lm_step():
    """One training step of the char_lm example at batch 64 (its PyTorch twin's step after
    its setup); None (no line) when the word list is not installed."""
    sys.path.insert(0, sys.argv[1])  # tests/examples: the example's PyTorch twin
    import compare_char_lm as twin
    if not os.path.exists(twin.WORDS):
        return None
    training = twin.Training()
    return median_time(lambda: training.step(64), 11, 10)


WORKLOADS = [seed_mlp_step, mlp784_step, mlp784_step_2t, word_window_train, digits_cnn_epoch, add_4m, sum_4m,
             conv2d_step, lstm_step, char_lm_step]

if __name__ == "__main__":
    wanted = sys.argv[2:] or [w.__name__ for w in WORKLOADS]
    for w in WORKLOADS:
        if w.__name__ in wanted:
            secs = w()
            if secs is not None:
                print(f"{w.__name__} {secs:.9f}", flush=True)
