"""DataLoader shuffling/batching and pad_sequence against PyTorch: the same seed must give
the same batches in the same order, epoch after epoch."""
import contextlib
import io
import random
import sys

import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader

from harness import Checker, run_c


def torch_loader(seed, n, batch_size, shuffle, drop_last, epochs, gen_seed):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(gen_seed) if gen_seed >= 0 else None
    loader = DataLoader(list(range(n)), batch_size=batch_size, shuffle=bool(shuffle), drop_last=bool(drop_last),
                        generator=gen)
    out = []
    for _ in range(epochs):
        out.append("epoch")
        out.extend(" ".join(str(int(i)) for i in batch) for batch in loader)
    return "\n".join(out) + "\n"


def torch_pad(batch_first, value, lengths):
    seqs = [torch.arange(0, 2.0 * n).view(n, 2) for n in lengths]
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        print(pad_sequence(seqs, batch_first=bool(batch_first), padding_value=value))
    return buf.getvalue()


rng = random.Random(7)
cases, wants = [], []
for _ in range(150):
    seed = rng.choice([0, 1, 42, 2**32 + 5, rng.getrandbits(40)])
    n = rng.randint(1, 40)
    gen_seed = rng.choice([-1, -1, 3, rng.getrandbits(32)])
    args = (seed, n, rng.randint(1, 12), rng.randint(0, 1), rng.randint(0, 1), rng.randint(1, 4), gen_seed)
    cases.append("loader " + " ".join(map(str, args)))
    wants.append(torch_loader(*args))
for _ in range(60):
    lengths = [rng.randint(1, 6) for _ in range(rng.randint(1, 5))]
    bf, value = rng.randint(0, 1), rng.choice([0.0, -1.0, 2.5])
    cases.append(f"pad {bf} {value} " + " ".join(map(str, lengths)))
    wants.append(torch_pad(bf, value, lengths))

got = run_c(sys.argv[1], cases)
check = Checker("data")
for c, g, w in zip(cases, got, wants):
    check.equal(g, w, c)
check.finish()
