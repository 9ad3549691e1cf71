"""The demo's --distributed mode against PyTorch DDP: the notebook's word-window classifier
trained by 2 processes on the gloo backend (DistributedSampler with seed 0 and set_epoch
every epoch, batch size 1, DistributedDataParallel), rank 0 printing each epoch's loss
summed over the steps and the ranks, then the predictions; and
`mpirun -np 2 word_window --distributed` with the same seed, epochs and sentences. The
lines must agree as compare_word_window.py requires (losses to 1e-5 relative, probabilities
to a unit of the 4th decimal). Skipped (exit 0, says so) when ctorch has no MPI.

Usage: compare_word_window_distributed.py <dir with the word_window binary>
"""
import os
import shutil
import socket
import subprocess
import sys
from functools import partial

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_word_window import (LOCATIONS, NOTEBOOK_CORPUS, WordWindowClassifier, custom_collate_fn,  # noqa: E402
                                 loss_function, preprocess_sentence)

WORLD = 2


def train(rank, port, seed, epochs, sentences, results):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=WORLD)
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    train_sentences = [preprocess_sentence(sent) for sent in NOTEBOOK_CORPUS]
    train_labels = [[1 if word in LOCATIONS else 0 for word in sent] for sent in train_sentences]
    vocabulary = set(w for s in train_sentences for w in s) | {"<unk>", "<pad>"}
    word_to_ix = {word: ind for ind, word in enumerate(sorted(vocabulary))}
    data = list(zip(train_sentences, train_labels))
    collate_fn = partial(custom_collate_fn, window_size=2, word_to_ix=word_to_ix)
    sampler = DistributedSampler(data, seed=0)
    loader = DataLoader(data, batch_size=1, sampler=sampler, collate_fn=collate_fn)
    hyperparameters = {"batch_size": 4, "window_size": 2, "embed_dim": 25, "hidden_dim": 25,
                       "freeze_embeddings": False}
    model = WordWindowClassifier(hyperparameters, len(word_to_ix), pad_ix=word_to_ix["<pad>"])
    ddp = DistributedDataParallel(model)
    optimizer = torch.optim.SGD(ddp.parameters(), lr=0.01)
    lines = []
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        total = 0.0
        for batch_inputs, batch_labels, batch_lengths in loader:
            optimizer.zero_grad()
            loss = loss_function(ddp(batch_inputs), batch_labels, batch_lengths)
            loss.backward()
            optimizer.step()
            reported = loss.detach().clone()
            dist.all_reduce(reported)
            total += reported.item()
        if epoch % 100 == 0:
            lines.append((f"epoch {epoch} loss {total:.6f}", ("loss", total)))
    for text in sentences:
        words = preprocess_sentence(text)
        test_loader = DataLoader(list(zip([words], [[0] * len(words)])), batch_size=1, collate_fn=collate_fn)
        for test_instance, _, _ in test_loader:
            with torch.no_grad():
                probs = model(test_instance)[0].tolist()
            lines.append((" ".join(f"{w}({p:.4f})" for w, p in zip(words, probs)), ("probs", probs)))
    if rank == 0:
        results.put(lines)
    dist.destroy_process_group()


def torch_ddp(seed, epochs, sentences):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    procs = [ctx.Process(target=train, args=(r, port, seed, epochs, sentences, results)) for r in range(WORLD)]
    for p in procs:
        p.start()
    lines = results.get(timeout=600)
    # A gloo worker can linger in destroy_process_group after rank 0 delivered its lines;
    # end it rather than let the interpreter wait for it at exit.
    for p in procs:
        p.join(60)
        if p.is_alive():
            p.terminate()
            p.join(10)
    return lines


def matches(got, want):
    kind, value = want
    if kind == "loss":
        return abs(float(got.split()[-1]) - value) <= 1e-5 * abs(value) + 1e-6
    probs = [float(tok.rsplit("(", 1)[1].rstrip(")")) for tok in got.split()]
    return len(probs) == len(value) and all(abs(a - b) <= 1.0001e-4 + 1e-5 for a, b in zip(probs, value))


def main():
    binary = os.path.join(sys.argv[1], "word_window")
    mpirun = shutil.which("mpirun")
    # As tests/CMakeLists.txt's DIST_ENV: root allowed; under make sanitize, LSan skips MPI's own allocations.
    suppressions = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "distributed", "lsan_mpi.supp")
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_btl="self,vader,tcp", OMPI_MCA_mca_base_component_disable_dlclose="1",
               LSAN_OPTIONS=f"suppressions={suppressions}:print_suppressions=0:fast_unwind_on_malloc=0")
    probe = subprocess.run([binary, "--distributed", "--epochs", "0"], capture_output=True, text=True, env=env)
    if "built without distributed support" in probe.stderr or not mpirun:
        print("skipped: ctorch was built without MPI (or mpirun is missing)")
        return
    ok = True
    for seed, epochs, sentences in [(0, 301, []), (3, 101, ["I come from Ankara", "Paris is far from Turkey"])]:
        proc = subprocess.run([mpirun, "--oversubscribe", "-np", str(WORLD), binary, "--distributed", "--epochs",
                               str(epochs), "--seed", str(seed)] + sentences,
                              capture_output=True, text=True, timeout=600, env=env)
        want = torch_ddp(seed, epochs, sentences or ["She comes from Paris"])
        got = proc.stdout.splitlines()
        label = f"seed={seed} epochs={epochs} sentences={sentences}"
        if proc.returncode != 0 or len(got) != len(want) or not all(matches(g, w[1]) for g, w in zip(got, want)):
            print(f"FAIL {label}: exit {proc.returncode}\n{proc.stderr}\n--- ctorch:\n{proc.stdout}--- torch:\n" +
                  "\n".join(w[0] for w in want))
            ok = False
        else:
            print(f"ok   {label}: {len(got)} lines agree")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
