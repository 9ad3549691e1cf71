"""The character-level transformer against PyTorch: runs the same program in PyTorch
(char_lm below, which examples/char_lm.c mirrors) and build/examples/char_lm with the same
options for a short run, and requires the same lines. Also checks the option and
data-file errors.

Tolerances. The training losses and the validation loss must agree to LOSS_RTOL relative
plus half a unit of the 6th printed decimal: ctorch follows PyTorch's op sequence, but
its float32 GEMMs and attention sum in their own order, so each step differs from
PyTorch's in the last bits and training carries that along. The sampled words must be
equal: multinomial draws PyTorch's numbers, and a word differs only when some category's
cumulative probability lies within rounding of a draw; the test reports such a case
separately rather than as a match.

Usage: compare_char_lm.py <dir with the char_lm binary>
"""
import os
import re
import subprocess
import sys
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F

WORDS = "/usr/share/dict/words"
CONTEXT, VOCAB, D_MODEL, VAL_CHUNK = 16, 27, 64, 1024
LOSS_RTOL = 1e-4


def load_words(path):
    """Lower-cased lines of 1-15 letters a-z, repeats dropped (first kept), file order."""
    seen, out = set(), []
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            w = line.rstrip("\r\n").lower()
            if re.fullmatch(r"[a-z]{1,15}", w) and w not in seen:
                seen.add(w)
                out.append(w)
    return out


def rows(words):
    """Inputs [0] + w padded with 0, targets w + [0] padded with -1, both [n, 16] int64."""
    x = torch.zeros(len(words), CONTEXT, dtype=torch.int64)
    y = torch.full((len(words), CONTEXT), -1, dtype=torch.int64)
    for r, w in enumerate(words):
        t = [ord(c) - ord("a") + 1 for c in w]
        x[r, 1:len(t) + 1] = torch.tensor(t, dtype=torch.int64)
        y[r, :len(t) + 1] = torch.tensor(t + [0], dtype=torch.int64)
    return x, y


class CharLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, D_MODEL)
        self.pos = nn.Embedding(CONTEXT, D_MODEL)
        layer = nn.TransformerEncoderLayer(D_MODEL, 4, 256, 0.0, "gelu", batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2)
        self.norm = nn.LayerNorm(D_MODEL)
        self.head = nn.Linear(D_MODEL, VOCAB)

    def forward(self, tokens):
        T = tokens.size(1)
        x = self.tok(tokens) + self.pos(torch.arange(T))
        x = self.encoder(x, mask=nn.Transformer.generate_square_subsequent_mask(T))
        return self.head(self.norm(x))


class Training:
    """The example's state after ct_manual_seed(seed): words, split, model, optimizer."""

    def __init__(self, seed=0, lr=3e-3, path=WORDS):
        torch.set_num_threads(1)
        words = load_words(path)
        self.n_train = int(0.9 * len(words))
        torch.manual_seed(seed)
        perm = torch.randperm(len(words))
        self.x_all, self.y_all = rows(words)
        self.train_ids, self.val_ids = perm[:self.n_train], perm[self.n_train:]
        self.model = CharLM()
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=lr, weight_decay=0.01)

    def step(self, batch_size):
        """One training step; its loss."""
        ids = self.train_ids[torch.randint(0, self.n_train, (batch_size,))]
        self.optimizer.zero_grad()
        loss = F.cross_entropy(self.model(self.x_all[ids]).view(-1, VOCAB), self.y_all[ids].view(-1), ignore_index=-1)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.optimizer.step()
        return loss


def char_lm(steps=2000, seed=0, lr=3e-3, batch_size=64, sample=10, path=WORDS):
    """The example's program; returns its output lines."""
    t = Training(seed, lr, path)
    model, x_all, y_all, val_ids = t.model, t.x_all, t.y_all, t.val_ids
    out = []
    for step in range(steps):
        loss = t.step(batch_size)
        if step % 100 == 0:
            out.append(f"step {step} train_loss {loss.item():.6f}")
    total, tokens = 0.0, 0
    with torch.no_grad():
        for at in range(0, len(val_ids), VAL_CHUNK):
            ids = val_ids[at:at + VAL_CHUNK]
            logits = model(x_all[ids]).view(-1, VOCAB)
            total += F.cross_entropy(logits, y_all[ids].view(-1), ignore_index=-1, reduction="sum").item()
            tokens += int((y_all[ids] >= 0).sum())
        out.append(f"val_loss {total / tokens:.6f}")
        for _ in range(sample):
            seq = [0]
            while len(seq) <= 15:
                probs = torch.softmax(model(torch.tensor([seq]))[0, -1], dim=-1)
                token = int(torch.multinomial(probs, 1))
                if token == 0:
                    break
                seq.append(token)
            out.append("".join(chr(ord("a") + t - 1) for t in seq[1:]))
    return out


def run(binary, args, timeout=300):
    return subprocess.run([binary] + args, capture_output=True, text=True, timeout=timeout)


def loss_close(a, b):
    return abs(a - b) <= LOSS_RTOL * abs(b) + 5e-7


def compare(binary, failures, **kw):
    args = []
    for key, flag in (("steps", "--steps"), ("seed", "--seed"), ("lr", "--lr"), ("batch_size", "--batch-size"),
                      ("sample", "--sample")):
        if key in kw:
            args += [flag, str(kw[key])]
    got = run(binary, args)
    if got.returncode != 0:
        failures.append(f"char_lm {' '.join(args)} exited {got.returncode}: {got.stderr}")
        return
    want = char_lm(**kw)
    lines = got.stdout.splitlines()
    if len(lines) != len(want):
        failures.append(f"char_lm {' '.join(args)}: {len(lines)} lines, PyTorch {len(want)}\n{got.stdout}")
        return
    for a, b in zip(lines, want):
        ta, tb = a.split(), b.split()
        if tb and tb[-1].replace(".", "").isdigit() and len(ta) == len(tb) and ta[:-1] == tb[:-1]:
            if not loss_close(float(ta[-1]), float(tb[-1])):
                failures.append(f"char_lm {' '.join(args)}: '{a}' but PyTorch '{b}'")
        elif a != b:
            failures.append(f"char_lm {' '.join(args)}: sampled '{a}' but PyTorch '{b}'")
    print(f"char_lm {' '.join(args)}: {len(lines)} lines compared")


def check_errors(binary, failures):
    usage = ("usage: char_lm [--steps N] [--seed S] [--lr X] [--batch-size B] [--data FILE] [--sample K]"
             " [--logdir DIR] [--device cpu|cuda]")
    for args, message in ((["--steps", "x"], "char_lm: --steps 'x': expected a whole number, 0 or more"),
                          (["--device", "gpu"], "char_lm: --device 'gpu': expected cpu or cuda"),
                          (["--batch-size", "0"], "char_lm: --batch-size '0': expected a whole number, 1 or more"),
                          (["--lr", "-1"], "char_lm: --lr '-1': expected a number, 0 or more"),
                          (["--sample"], "char_lm: --sample needs a value"),
                          (["--bogus"], "char_lm: unknown argument '--bogus'")):
        got = run(binary, args)
        if got.returncode != 2 or got.stderr != f"{message}\n{usage}\n" or got.stdout:
            failures.append(f"char_lm {args}: status {got.returncode}, stderr {got.stderr!r}")
    got = run(binary, ["--device", "cuda", "--steps", "0", "--sample", "0"])  # without a GPU: the reason, status 1
    if got.returncode not in (0, 1) or (got.returncode == 1 and "char_lm: --device cuda: " not in got.stderr):
        failures.append(f"char_lm --device cuda: status {got.returncode}, stderr {got.stderr!r}")
    got = run(binary, ["--help"])
    if got.returncode != 0 or not got.stdout.startswith(usage) or got.stderr:
        failures.append(f"char_lm --help: status {got.returncode}, stdout {got.stdout[:100]!r}")
    with tempfile.TemporaryDirectory() as d:
        missing = os.path.join(d, "none.txt")
        got = run(binary, ["--data", missing])
        if got.returncode != 1 or missing not in got.stderr:
            failures.append(f"char_lm --data (missing): status {got.returncode}, stderr {got.stderr!r}")
        tiny = os.path.join(d, "tiny.txt")
        with open(tiny, "w") as f:
            f.write("Cat\ncat\ndog's\nbird\nzebra\nelephantine\nant\nbee\ncow\nyak\nowl\nemu\n")
        got = run(binary, ["--data", tiny, "--steps", "3", "--sample", "2", "--batch-size", "4"])
        want = char_lm(steps=3, sample=2, batch_size=4, path=tiny)
        if got.returncode != 0 or len(got.stdout.splitlines()) != len(want):
            failures.append(f"char_lm on a tiny list: status {got.returncode}, {got.stdout!r} vs {want!r}")


def main():
    binary = os.path.join(sys.argv[1], "char_lm")
    if not os.path.exists(binary):
        print(f"FAIL: {binary} was not built")
        sys.exit(1)
    if not os.path.exists(WORDS):
        print(f"FAIL: {WORDS} is missing (Debian's wamerican: apt-get install wamerican)")
        sys.exit(1)
    failures = []
    compare(sys.argv[1] + "/char_lm", failures, steps=201, sample=5)
    compare(sys.argv[1] + "/char_lm", failures, steps=21, seed=3, lr=1e-3, batch_size=16, sample=3)
    check_errors(binary, failures)
    for f in failures:
        print("FAIL", f)
    print(f"compare_char_lm: {'ok' if not failures else f'{len(failures)} failures'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
