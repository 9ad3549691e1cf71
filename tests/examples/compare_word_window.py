"""The demo against PyTorch: runs the CS224N notebook's word-window classifier in PyTorch
(the notebook's code) and build/examples/word_window with the same seed, epochs and
sentences, and requires the same loss curve (to float32 rounding: 1e-5 relative) and the
same printed probabilities (to one unit in the 4th decimal). Also trains on a CoNLL file
and checks the bad-file errors.

Usage: compare_word_window.py <dir with the word_window binary>
"""
import os
import subprocess
import sys
import tempfile
from functools import partial

import torch
import torch.nn as nn
from torch.utils.data import DataLoader

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE_CORPUS = os.path.join(HERE, "..", "..", "examples", "data", "locations.conll")

NOTEBOOK_CORPUS = ["We always come to Paris", "The professor is from Australia", "I live in Stanford",
                   "He comes from Taiwan", "The capital of Turkey is Ankara"]
LOCATIONS = set(["australia", "ankara", "paris", "stanford", "taiwan", "turkey"])


def preprocess_sentence(sentence):
    return sentence.lower().split()


def pad_window(sentence, window_size, pad_token="<pad>"):
    window = [pad_token] * window_size
    return window + sentence + window


def convert_token_to_indices(sentence, word_to_ix):
    return [word_to_ix.get(token, word_to_ix["<unk>"]) for token in sentence]


def custom_collate_fn(batch, window_size, word_to_ix):
    x, y = zip(*batch)
    x = [pad_window(s, window_size=window_size) for s in x]
    x = [convert_token_to_indices(s, word_to_ix) for s in x]
    pad_token_ix = word_to_ix["<pad>"]
    x = [torch.LongTensor(x_i) for x_i in x]
    x_padded = nn.utils.rnn.pad_sequence(x, batch_first=True, padding_value=pad_token_ix)
    lengths = [len(label) for label in y]
    lenghts = torch.LongTensor(lengths)
    y = [torch.LongTensor(y_i) for y_i in y]
    y_padded = nn.utils.rnn.pad_sequence(y, batch_first=True, padding_value=0)
    return x_padded, y_padded, lenghts


class WordWindowClassifier(nn.Module):
    def __init__(self, hyperparameters, vocab_size, pad_ix=0):
        super(WordWindowClassifier, self).__init__()
        self.window_size = hyperparameters["window_size"]
        self.embed_dim = hyperparameters["embed_dim"]
        self.hidden_dim = hyperparameters["hidden_dim"]
        self.freeze_embeddings = hyperparameters["freeze_embeddings"]
        self.embeds = nn.Embedding(vocab_size, self.embed_dim, padding_idx=pad_ix)
        if self.freeze_embeddings:
            self.embed_layer.weight.requires_grad = False
        full_window_size = 2 * self.window_size + 1
        self.hidden_layer = nn.Sequential(nn.Linear(full_window_size * self.embed_dim, self.hidden_dim), nn.Tanh())
        self.output_layer = nn.Linear(self.hidden_dim, 1)
        self.probabilities = nn.Sigmoid()

    def forward(self, inputs):
        B, L = inputs.size()
        token_windows = inputs.unfold(1, 2 * self.window_size + 1, 1)
        _, adjusted_length, _ = token_windows.size()
        assert token_windows.size() == (B, adjusted_length, 2 * self.window_size + 1)
        embedded_windows = self.embeds(token_windows)
        embedded_windows = embedded_windows.view(B, adjusted_length, -1)
        layer_1 = self.hidden_layer(embedded_windows)
        output = self.output_layer(layer_1)
        output = self.probabilities(output)
        output = output.view(B, -1)
        return output


def loss_function(batch_outputs, batch_labels, batch_lengths):
    bceloss = nn.BCELoss()
    loss = bceloss(batch_outputs, batch_labels.float())
    loss = loss / batch_lengths.sum().float()
    return loss


def train_epoch(loss_function, optimizer, model, loader):
    total_loss = 0
    for batch_inputs, batch_labels, batch_lengths in loader:
        optimizer.zero_grad()
        outputs = model.forward(batch_inputs)
        loss = loss_function(outputs, batch_labels, batch_lengths)
        loss.backward()
        optimizer.step()
        total_loss += loss.item()
    return total_loss


def read_conll(path):
    sentences, labels, words, tags = [], [], [], []
    for line in open(path):
        line = line.rstrip("\r\n")
        if not line:
            if words:
                sentences.append(words)
                labels.append(tags)
            words, tags = [], []
            continue
        word, label = line.split("\t", 1)
        words.append(word.lower())
        tags.append(1 if "LOC" in label else 0)
    if words:
        sentences.append(words)
        labels.append(tags)
    return sentences, labels


def notebook(seed, epochs, test_corpus, corpus_path=None):
    """The notebook's program; returns the lines the C demo prints."""
    torch.manual_seed(seed)
    if corpus_path:
        train_sentences, train_labels = read_conll(corpus_path)
    else:
        train_sentences = [preprocess_sentence(sent) for sent in NOTEBOOK_CORPUS]
        train_labels = [[1 if word in LOCATIONS else 0 for word in sent] for sent in train_sentences]
    vocabulary = set(w for s in train_sentences for w in s)
    vocabulary.add("<unk>")
    vocabulary.add("<pad>")
    ix_to_word = sorted(list(vocabulary))
    word_to_ix = {word: ind for ind, word in enumerate(ix_to_word)}
    data = list(zip(train_sentences, train_labels))
    window_size = 2
    collate_fn = partial(custom_collate_fn, window_size=window_size, word_to_ix=word_to_ix)
    loader = DataLoader(data, batch_size=2, shuffle=True, collate_fn=collate_fn)
    model_hyperparameters = {"batch_size": 4, "window_size": 2, "embed_dim": 25, "hidden_dim": 25,
                             "freeze_embeddings": False}
    model = WordWindowClassifier(model_hyperparameters, len(word_to_ix), pad_ix=word_to_ix["<pad>"])
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    lines = []
    for epoch in range(epochs):
        epoch_loss = train_epoch(loss_function, optimizer, model, loader)
        if epoch % 100 == 0:
            lines.append(f"epoch {epoch} loss {epoch_loss:.6f}")
            lines.append(("loss", epoch_loss))
    for text in test_corpus:
        words = preprocess_sentence(text)
        test_loader = DataLoader(list(zip([words], [[0] * len(words)])), batch_size=1, shuffle=False,
                                 collate_fn=collate_fn)
        for test_instance, _, _ in test_loader:
            with torch.no_grad():
                outputs = model.forward(test_instance)
            lines.append(" ".join(f"{w}({p:.4f})" for w, p in zip(words, outputs[0].tolist())))
            lines.append(("probs", outputs[0].tolist()))
    return lines


def compare(binary, seed, epochs, sentences, corpus_path=None):
    args = [binary, "--epochs", str(epochs), "--seed", str(seed)]
    if corpus_path:
        args += ["--corpus", corpus_path]
    proc = subprocess.run(args + sentences, capture_output=True, text=True, timeout=600)
    want = notebook(seed, epochs, sentences or ["She comes from Paris"], corpus_path)
    got = proc.stdout.splitlines()
    texts = [w for w in want if isinstance(w, str)]
    values = [w for w in want if not isinstance(w, str)]
    label = f"seed={seed} epochs={epochs} corpus={corpus_path} sentences={sentences}"
    if proc.returncode != 0 or len(got) != len(texts):
        print(f"FAIL {label}: exit {proc.returncode}\n{proc.stderr}\n--- ctorch:\n{proc.stdout}--- torch:\n" +
              "\n".join(texts))
        return False
    for g, t, (kind, v) in zip(got, texts, values):
        if kind == "loss":
            gv = float(g.split()[-1])
            ok = abs(gv - v) <= 1e-5 * abs(v) + 1e-6
        else:
            gp = [float(tok.rsplit("(", 1)[1].rstrip(")")) for tok in g.split()]
            gw = [tok.rsplit("(", 1)[0] for tok in g.split()]
            tw = [tok.rsplit("(", 1)[0] for tok in t.split()]
            ok = gw == tw and all(abs(a - b) <= 1.0001e-4 + 1e-5 for a, b in zip(gp, v))
        if not ok:
            print(f"FAIL {label}:\n  ctorch: {g}\n  torch:  {t}")
            return False
    print(f"ok   {label}: {len(texts)} lines agree")
    return True


def expect_error(binary, content, needle, label):
    with tempfile.NamedTemporaryFile("w", suffix=".conll", delete=False) as f:
        f.write(content)
        path = f.name
    try:
        proc = subprocess.run([binary, "--epochs", "1", "--corpus", path], capture_output=True, text=True, timeout=60)
    finally:
        os.unlink(path)
    ok = proc.returncode != 0 and needle in proc.stderr and proc.stdout == ""
    print(("ok   " if ok else "FAIL ") + f"bad corpus ({label}): exit {proc.returncode}, stderr {proc.stderr.strip()!r}")
    return ok


def expect_option_error(binary, args, needle):
    proc = subprocess.run([binary] + args, capture_output=True, text=True, timeout=60)
    ok = proc.returncode == 2 and needle in proc.stderr and "usage: word_window" in proc.stderr and proc.stdout == ""
    print(("ok   " if ok else "FAIL ") + f"option error {args}: exit {proc.returncode}, stderr {proc.stderr.strip()!r}")
    return ok


def main():
    binary = os.path.join(sys.argv[1], "word_window")
    results = [
        compare(binary, 0, 1000, []),
        compare(binary, 7, 300, ["I come from Ankara", "Paris is far from Turkey"]),
        compare(binary, 0, 300, ["She moved to Oslo", "He lives in Berlin"], SAMPLE_CORPUS),
        expect_error(binary, "Paris\tB-LOC\nis no tab here\n", ":2:", "missing tab, line number"),
        expect_error(binary, "", "no sentences", "empty file"),
        expect_error(binary, "\n\n\n", "no sentences", "only blank lines"),
        expect_error(binary, "Paris\tB-LOC\n" + "w" * 5000 + "\tO\n", ":2: line longer than", "line too long"),
    ]
    results += [
        expect_option_error(binary, ["--epochs", "abc"], "--epochs 'abc': expected a whole number"),
        expect_option_error(binary, ["--epochs", "-1"], "--epochs '-1': expected a whole number"),
        expect_option_error(binary, ["--seed", "-3"], "--seed '-3': expected a whole number"),
        expect_option_error(binary, ["--seed", "1x"], "--seed '1x': expected a whole number"),
        expect_option_error(binary, ["--bogus"], "unknown argument or missing value: '--bogus'"),
        expect_option_error(binary, ["--epochs"], "unknown argument or missing value: '--epochs'"),
        expect_option_error(binary, ["--device", "gpu"], "--device 'gpu': expected cpu or cuda"),
    ]
    proc = subprocess.run([binary, "--device", "cuda", "--epochs", "0"], capture_output=True, text=True)
    ok = proc.returncode == 0 or (proc.returncode == 1 and "word_window: --device cuda: " in proc.stderr)
    print(("ok   " if ok else "FAIL ") + f"--device cuda: exit {proc.returncode}, stderr {proc.stderr.strip()!r}")
    results.append(ok)
    proc = subprocess.run([binary, "--help"], capture_output=True, text=True)
    ok = proc.returncode == 0 and proc.stdout.startswith("usage: word_window")
    print(("ok   " if ok else "FAIL ") + f"--help: exit {proc.returncode}, stdout {proc.stdout.strip()!r}")
    results.append(ok)
    proc = subprocess.run([binary, "--corpus", "/nonexistent/corpus.conll"], capture_output=True, text=True)
    ok = proc.returncode != 0 and "cannot read /nonexistent/corpus.conll" in proc.stderr
    print(("ok   " if ok else "FAIL ") + f"unreadable corpus: {proc.stderr.strip()!r}")
    results.append(ok)
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
