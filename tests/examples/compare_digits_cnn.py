"""The digits CNN against PyTorch: trains the same small CNN on the 8x8 digits in PyTorch
(digits_cnn below, the program examples/digits_cnn.c mirrors) and runs
build/examples/digits_cnn with the same options, and requires the same lines. Also checks
the option and data-file errors.

Every op of the model reproduces PyTorch's bits, the float32 convolutions included:
PyTorch runs them in oneDNN, and ctorch sums in the order of oneDNN's AVX-512 kernels on
one thread (docs/DESIGN.md, "Convolutions in oneDNN's order"). So on a machine with
AVX-512, with PyTorch on one thread, every printed line must be identical, for any seed
and learning rate: training amplifies any last-bit difference (at lr 0.01, seeds 0 and 2
part by 1e-3 to 4e-1 within a few epochs when one convolution sums in another order, as
PyTorch's own native and oneDNN convolutions do).

Elsewhere oneDNN runs other kernels (AVX2's blocks of 8 channels) and the lines may
differ in the last bits. There the runs compared must be ones that stay together (seed
1, lower learning rates, measured with PyTorch's native convolution against oneDNN) and
losses must agree to LOSS_RTOL = 1e-4 relative plus half a unit of the 6th printed
decimal; accuracies must be equal, or differ by one image when PyTorch's two highest
logits for some test image are within TIE_TOLERANCE (a tie within rounding).

Usage: compare_digits_cnn.py <dir with the digits_cnn binary>
"""
import gzip
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

SKLEARN_DIGITS = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"
CTORCH_DIGITS = "/usr/local/share/ctorch/data/digits.csv.gz"
N_TRAIN = 1500
LOSS_RTOL = 1e-4      # see the module docstring
TIE_TOLERANCE = 1e-4  # logits this close may order either way in float32


def default_data_path():
    return SKLEARN_DIGITS if os.path.exists(SKLEARN_DIGITS) else CTORCH_DIGITS


def load_digits(path):
    """(train images, train labels, test images, test labels): rows 0-1499 train, the rest test."""
    with gzip.open(path, "rt") as f:
        table = np.loadtxt(f, delimiter=",")
    images = torch.tensor(table[:, :64], dtype=torch.float32).view(-1, 1, 8, 8) / 16.0
    labels = torch.tensor(table[:, 64], dtype=torch.int64)
    return images[:N_TRAIN], labels[:N_TRAIN], images[N_TRAIN:], labels[N_TRAIN:]


def make_model():
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64, 10))


def train_epoch(model, optimizer, loader, loss_function):
    """Mean of the epoch's batch losses."""
    total, batches = 0.0, 0
    for images, labels in loader:
        optimizer.zero_grad()
        loss = loss_function(model(images), labels)
        loss.backward()
        optimizer.step()
        total += loss.item()
        batches += 1
    return total / batches


def test_accuracy(model, images, labels):
    """Fraction of the images whose highest logit is their label, and the logits."""
    with torch.no_grad():
        logits = model(images)
    return (logits.argmax(1) == labels).sum().item() / len(labels), logits


def setup(seed, lr, batch_size, path):
    train_x, train_y, test_x, test_y = load_digits(path)
    torch.manual_seed(seed)
    model = make_model()
    loader = DataLoader(TensorDataset(train_x, train_y), batch_size=batch_size, shuffle=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    return model, optimizer, loader, nn.CrossEntropyLoss(), test_x, test_y


def digits_cnn(seed=0, epochs=10, lr=0.01, batch_size=32, path=None):
    """The example's program; returns (loss, accuracy, test logits) per epoch."""
    path = path or default_data_path()
    model, optimizer, loader, loss_function, test_x, test_y = setup(seed, lr, batch_size, path)
    results = []
    for epoch in range(epochs):
        loss = train_epoch(model, optimizer, loader, loss_function)
        accuracy, logits = test_accuracy(model, test_x, test_y)
        results.append((loss, accuracy, logits))
    return results


def run(binary, args, timeout=300):
    return subprocess.run([binary] + args, capture_output=True, text=True, timeout=timeout)


def near_ties(logits, tolerance):
    """Test images whose two highest logits are within `tolerance`: float32 rounding may
    pick either."""
    top2 = logits.topk(2, dim=1).values
    return int(((top2[:, 0] - top2[:, 1]) <= tolerance).sum())


def onednn_order():
    """Whether ctorch's convolutions sum as PyTorch's oneDNN does here: oneDNN's AVX-512
    kernels (avx512_core: F, BW, VL and DQ)."""
    with open("/proc/cpuinfo") as f:
        flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    return all(f in flags for f in ("avx512f", "avx512bw", "avx512vl", "avx512dq"))


def compare(binary, seed=0, epochs=10, lr=0.01, batch_size=32, path=None, exact=True):
    """exact: every line must be PyTorch's (with oneDNN's AVX-512 kernels), else within
    the tolerances of the module docstring."""
    args = ["--epochs", str(epochs), "--seed", str(seed), "--lr", str(lr), "--batch-size", str(batch_size)]
    if path:
        args += ["--data", path]
    label = " ".join(args)
    proc = run(binary, args)
    want = digits_cnn(seed, epochs, lr, batch_size, path)
    got = proc.stdout.splitlines()
    texts = [f"epoch {e} loss {loss:.6f} test_acc {acc:.4f}" for e, (loss, acc, _) in enumerate(want)]
    if proc.returncode != 0 or len(got) != len(want) or (exact and got != texts):
        print(f"FAIL {label}: exit {proc.returncode}\n{proc.stderr}--- ctorch:\n{proc.stdout}--- torch:\n" +
              "\n".join(texts))
        return False
    if exact:
        print(f"ok   {label}: {len(got)} epochs print PyTorch's lines")
        return True
    worst_loss, ties_used = 0.0, 0
    for g, t, (loss, acc, logits) in zip(got, texts, want):
        fields = g.split()
        ok = len(fields) == 6 and fields[0::2] == ["epoch", "loss", "test_acc"] and fields[1] == t.split()[1]
        if ok:
            g_loss, g_acc = float(fields[3]), float(fields[5])
            # Printed to 6 decimals: half a unit of the last digit on top of the tolerance.
            ok = abs(g_loss - loss) <= LOSS_RTOL * abs(loss) + 0.5e-6
            worst_loss = max(worst_loss, abs(g_loss - loss) / abs(loss))
            images = round(abs(g_acc - acc) * len(logits))
            ok = ok and (images == 0 or (images == 1 and near_ties(logits, TIE_TOLERANCE) > 0))
            ties_used += images
        if not ok:
            print(f"FAIL {label}:\n  ctorch: {g}\n  torch:  {t}")
            return False
    print(f"ok   {label}: {len(got)} epochs agree (printed losses within {worst_loss:.1e} relative, "
          f"{ties_used} accuracy differences on near ties)")
    return True


def expect(binary, args, status, needles, label, stdout_needle=None):
    """The run exits with `status` and says each of `needles` on stderr, and prints nothing
    (or `stdout_needle`) on stdout."""
    proc = run(binary, args, timeout=60)
    needles = [needles] if isinstance(needles, str) else needles
    ok = proc.returncode == status and all(n in proc.stderr for n in needles)
    ok = ok and (stdout_needle in proc.stdout if stdout_needle else proc.stdout == "")
    print(("ok   " if ok else "FAIL ") + f"{label}: exit {proc.returncode}, stderr {proc.stderr.strip()!r}")
    return ok


USAGE = "usage: digits_cnn [--epochs N] [--seed S] [--lr X] [--batch-size B] [--data FILE]"


def option_errors(binary):
    cases = [
        (["--epochs", "abc"], "--epochs 'abc': expected a whole number"),
        (["--epochs", "-1"], "--epochs '-1'"),
        (["--epochs", "3x"], "--epochs '3x'"),
        (["--epochs", "99999999999999999999999"], "--epochs '9999"),
        (["--seed", "-1"], "--seed '-1'"),
        (["--seed", "18446744073709551616"], "--seed '18446744073709551616'"),
        (["--lr", "fast"], "--lr 'fast'"),
        (["--lr", "-0.1"], "--lr '-0.1'"),
        (["--lr", "nan"], "--lr 'nan'"),
        (["--batch-size", "0"], "--batch-size '0': expected a whole number, 1 or more"),
        (["--batch-size", ""], "--batch-size ''"),
        (["--epochs"], "--epochs needs a value"),
        (["--data"], "--data needs a value"),
        (["--frobnicate"], "unknown argument '--frobnicate'"),
        (["--device", "gpu"], "--device 'gpu': expected cpu or cuda"),
        (["extra"], "unknown argument 'extra'"),
    ]
    results = [expect(binary, args, 2, [needle, USAGE], f"option error {args}") for args, needle in cases]
    results.append(expect(binary, ["--help"], 0, "", "--help", stdout_needle=USAGE))
    proc = run(binary, ["--device", "cuda", "--epochs", "0"], timeout=60)  # without a GPU: the reason, status 1
    ok = proc.returncode == 0 or (proc.returncode == 1 and "digits_cnn: --device cuda: " in proc.stderr)
    print(("ok   " if ok else "FAIL ") + f"--device cuda: exit {proc.returncode}, stderr {proc.stderr.strip()!r}")
    results.append(ok)
    return results


def data_errors(binary, good_rows):
    """Malformed files, each refused with the line of the first bad row and exit status 1."""
    row = good_rows[0]
    cases = [
        ("short row", [row, ",".join(row.split(",")[:64])], ":2: expected 65 comma-separated values"),
        ("long row", [row, row + ",3"],
         ":2: expected 65 comma-separated values (64 pixels, then the label), found 66"),
        ("pixel over 16", [row, row, "17," + row.split(",", 1)[1]], ":3: pixel 1 is 17 (pixels are 0 to 16)"),
        ("negative pixel", ["-1," + row.split(",", 1)[1]], ":1: pixel 1 is -1"),
        ("label 10", [row.rsplit(",", 1)[0] + ",10"], ":1: label 10 is not a digit 0 to 9"),
        ("label 3.5", [row.rsplit(",", 1)[0] + ",3.5"], ":1: label 3.5 is not a digit 0 to 9"),
        ("not a number", [row, row.replace(",", ",x", 1)], ":2: value 2 is not a number"),
        ("empty value", [row.replace(",", ",,", 1)[:-2]], ":1: value 2 is not a number"),
        ("too few images", good_rows[:10], ": 10 images; the example needs more than 1500"),
        ("empty file", [], ": no images"),
        ("NUL byte", [row[:5] + "\0" + row[5:]], ":1: not text"),
    ]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, rows, needle in cases:
            path = os.path.join(tmp, "bad.csv.gz")
            with gzip.open(path, "wt") as f:
                f.write("".join(r + "\n" for r in rows))
            args = ["--epochs", "1", "--data", path]
            results.append(expect(binary, args, 1, needle, f"bad data ({label})"))
        truncated = os.path.join(tmp, "truncated.csv.gz")
        with gzip.open(truncated, "wt") as f:
            f.write("".join(r + "\n" for r in good_rows))
        with open(truncated, "r+b") as f:
            f.truncate(os.path.getsize(truncated) // 2)
        results.append(expect(binary, ["--epochs", "1", "--data", truncated], 1, "truncated gzip data",
                              "bad data (truncated gzip)"))
        missing = os.path.join(tmp, "missing.csv.gz")
        needle = f"cannot read {missing}: No such file or directory"
        results.append(expect(binary, ["--data", missing], 1, needle, "missing --data file"))
    return results


def plain_text(binary, good_rows):
    """The same digits as uncompressed text with CRLF line ends and a trailing blank line
    train exactly as the gzip file does."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "digits.csv")
        with open(path, "w", newline="") as f:
            f.write("".join(r + "\r\n" for r in good_rows) + "\r\n")
        plain = run(binary, ["--epochs", "1", "--data", path])
        packed = run(binary, ["--epochs", "1"])
    ok = plain.returncode == 0 and plain.stdout == packed.stdout and plain.stdout.startswith("epoch 0 ")
    print(("ok   " if ok else "FAIL ") +
          f"plain text with CRLF: {plain.stdout.strip()!r}, stderr {plain.stderr.strip()!r}")
    return ok


def main():
    # oneDNN's weight gradients sum per thread: ctorch follows its order on one thread.
    torch.set_num_threads(1)
    binary = os.path.join(sys.argv[1], "digits_cnn")
    path = default_data_path()
    if not os.path.exists(path):
        print(f"FAIL the digits data is missing ({SKLEARN_DIGITS} or {CTORCH_DIGITS}); "
              "fetch it with: sh scripts/install-deps.sh")
        sys.exit(1)
    with gzip.open(path, "rt") as f:
        good_rows = f.read().splitlines()
    if onednn_order():
        runs = [compare(binary),                                       # the README's run
                compare(binary, seed=2),                               # parts first in another order
                compare(binary, seed=5, batch_size=50),                # no partial batch
                compare(binary, seed=3, epochs=4, lr=0.005, batch_size=64)]  # a last batch of 28
    else:  # runs that stay together across orders of sums
        runs = [compare(binary, seed=1, exact=False), compare(binary, lr=0.001, exact=False),
                compare(binary, seed=3, epochs=4, lr=0.005, batch_size=64, exact=False)]
    results = [
        *runs,
        *option_errors(binary),
        *data_errors(binary, good_rows),
        plain_text(binary, good_rows),
    ]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
