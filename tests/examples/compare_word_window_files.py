"""The demo's state-dict files against PyTorch (the notebook's model, from
compare_word_window.py):
  --save FILE: the notebook's PyTorch model loads FILE with
    load_state_dict(torch.load(FILE, weights_only=True)) and predicts the probabilities
    the demo printed (to one unit in the 4th decimal);
  --load FILE: a state dict saved from the notebook's PyTorch model after training; with
    --epochs 0 the demo only predicts, and prints what the PyTorch model predicts;
  --checkpoint FILE / --resume FILE: 250 epochs with checkpoints, then resumed up to 500,
    prints exactly the lines the uninterrupted 500-epoch run prints from epoch 250 on, and
    ends with byte-identical weights (--save files equal); PyTorch opens the checkpoint
    and the notebook's model loads its "model" entry;
  bad files: a missing file, a state dict of another shape, an unwritable --save path.

Usage: compare_word_window_files.py <dir with the word_window binary>
"""
import os
import subprocess
import sys
import tempfile
from functools import partial

import torch
from torch.utils.data import DataLoader

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_word_window import (LOCATIONS, NOTEBOOK_CORPUS, WordWindowClassifier,  # noqa: E402
                                 custom_collate_fn, loss_function, preprocess_sentence, train_epoch)

SENTENCES = ["She comes from Paris", "I live in Ankara", "Oslo is cold"]


def notebook_model(seed, epochs):
    """The notebook's vocabulary, collate function and model, trained `epochs` epochs."""
    torch.manual_seed(seed)
    train_sentences = [preprocess_sentence(sent) for sent in NOTEBOOK_CORPUS]
    train_labels = [[1 if word in LOCATIONS else 0 for word in sent] for sent in train_sentences]
    vocabulary = set(w for s in train_sentences for w in s) | {"<unk>", "<pad>"}
    word_to_ix = {word: ind for ind, word in enumerate(sorted(vocabulary))}
    collate_fn = partial(custom_collate_fn, window_size=2, word_to_ix=word_to_ix)
    loader = DataLoader(list(zip(train_sentences, train_labels)), batch_size=2, shuffle=True, collate_fn=collate_fn)
    hyper = {"batch_size": 4, "window_size": 2, "embed_dim": 25, "hidden_dim": 25, "freeze_embeddings": False}
    model = WordWindowClassifier(hyper, len(word_to_ix), pad_ix=word_to_ix["<pad>"])
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    for _ in range(epochs):
        train_epoch(loss_function, optimizer, model, loader)
    return model, collate_fn


def predictions(model, collate_fn, sentences):
    """Each sentence's words and probabilities, as the demo's prediction lines hold them."""
    out = []
    for text in sentences:
        words = preprocess_sentence(text)
        (batch, _, _), = DataLoader([(words, [0] * len(words))], batch_size=1, collate_fn=collate_fn)
        with torch.no_grad():
            out.append(list(zip(words, model(batch)[0].tolist())))
    return out


def parse_predictions(stdout):
    lines = [line for line in stdout.splitlines() if not line.startswith("epoch ")]
    return [[(tok.rsplit("(", 1)[0], float(tok.rsplit("(", 1)[1].rstrip(")"))) for tok in line.split()]
            for line in lines]


def same(got, want):
    return len(got) == len(want) and all(
        [w for w, _ in g] == [w for w, _ in t] and all(abs(a - b) <= 1.0001e-4 for (_, a), (_, b) in zip(g, t))
        for g, t in zip(got, want))


def report(ok, label, detail=""):
    print(("ok   " if ok else "FAIL ") + label + (f"\n{detail}" if not ok and detail else ""))
    return ok


def main():
    binary = os.path.join(sys.argv[1], "word_window")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        # --save: PyTorch's model reads the demo's file.
        path = os.path.join(tmp, "demo.pt")
        proc = subprocess.run([binary, "--epochs", "300", "--seed", "2", "--save", path] + SENTENCES,
                              capture_output=True, text=True, timeout=600)
        model, collate_fn = notebook_model(99, 0)
        if report(proc.returncode == 0, "--save runs", proc.stderr):
            model.load_state_dict(torch.load(path, weights_only=True))
            want = predictions(model, collate_fn, SENTENCES)
            got = parse_predictions(proc.stdout)
            results.append(report(same(got, want), "--save: PyTorch loads the file and predicts what the demo printed",
                                  f"ctorch {got}\ntorch  {want}"))
        else:
            results.append(False)
        # --load: the demo reads PyTorch's file.
        model, collate_fn = notebook_model(5, 200)
        path = os.path.join(tmp, "torch.pt")
        torch.save(model.state_dict(), path)
        proc = subprocess.run([binary, "--epochs", "0", "--load", path] + SENTENCES, capture_output=True, text=True,
                              timeout=600)
        want = predictions(model, collate_fn, SENTENCES)
        got = parse_predictions(proc.stdout) if proc.returncode == 0 else None
        results.append(report(got is not None and same(got, want), "--load --epochs 0 predicts as PyTorch's model",
                              f"exit {proc.returncode} {proc.stderr}\nctorch {got}\ntorch  {want}"))
        # Checkpoints: N epochs, checkpoint, resume, M more equals N + M straight.
        straight_pt, resumed_pt, ckpt = (os.path.join(tmp, n) for n in ("straight.pt", "resumed.pt", "ckpt.pt"))
        run = lambda args: subprocess.run([binary, "--seed", "4"] + args, capture_output=True, text=True, timeout=600)  # noqa: E731
        straight = run(["--epochs", "500", "--save", straight_pt])
        first = run(["--epochs", "250", "--checkpoint", ckpt, "--checkpoint-every", "100"])
        resumed = run(["--epochs", "500", "--resume", ckpt, "--save", resumed_pt])
        tail = [line for line in straight.stdout.splitlines() if not line.startswith("epoch ") or int(line.split()[1]) >= 250]
        ok = straight.returncode == first.returncode == resumed.returncode == 0 and resumed.stdout.splitlines() == tail
        results.append(report(ok, "--resume prints what the uninterrupted run prints from its epoch on",
                              f"straight:\n{straight.stdout}resumed:\n{resumed.stdout}{resumed.stderr}"))
        results.append(report(ok and open(straight_pt, "rb").read() == open(resumed_pt, "rb").read(),
                              "--resume ends with byte-identical weights"))
        if ok:
            saved = torch.load(ckpt)
            model, _ = notebook_model(0, 0)
            model.load_state_dict(saved["model"])
            results.append(report(saved["epoch"] == 250 and saved["rng_state"].dtype == torch.uint8
                                  and set(saved) == {"model", "optimizer", "scheduler", "rng_state", "loader_rng_state",
                                                     "epoch", "step"},
                                  f"PyTorch opens the checkpoint: {sorted(saved)}"))
            proc = run(["--epochs", "500", "--resume", straight_pt])
            results.append(report(proc.returncode == 1 and "not a ctorch training checkpoint" in proc.stderr,
                                  f"--resume of a state dict: {proc.stderr.strip()!r}"))
        # Bad files.
        other = os.path.join(tmp, "other.pt")
        torch.save(torch.nn.Linear(2, 2).state_dict(), other)
        for args, needle in [
            (["--load", os.path.join(tmp, "absent.pt")], "absent.pt"),
            (["--load", other], "Missing key(s) in state_dict"),
            (["--save", os.path.join(tmp, "no", "dir.pt")], "no/dir.pt"),
        ]:
            proc = subprocess.run([binary, "--epochs", "0"] + args, capture_output=True, text=True, timeout=60)
            results.append(report(proc.returncode == 1 and needle in proc.stderr and "word_window: --" in proc.stderr,
                                  f"{args[0]} error: {proc.stderr.strip()!r}"))
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
