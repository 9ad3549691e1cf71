"""Samplers, random_split, Subset, ConcatDataset and the DataLoader's sampler, batch_sampler
and num_workers options against PyTorch: the same seeds must give the same indices, the
generators must be left in the same state, and misuse must fail with PyTorch's message.
(See oracle_data_more.c for the case formats.) ctorch's num_workers cases are compared with
PyTorch's num_workers=0 batches: the workers must not change them."""
import random
import sys
import warnings

import torch
from torch.utils.data import (BatchSampler, ConcatDataset, DataLoader, RandomSampler, SequentialSampler,
                              SubsetRandomSampler, TensorDataset, WeightedRandomSampler, random_split)

from harness import Checker, run_c


def generator_for(seed):
    return torch.Generator().manual_seed(seed) if seed >= 0 else None


def tail(gen):
    d = int(torch.randint(0, 1000000, (1,)))
    g = int(torch.randint(0, 1000000, (1,), generator=gen)) if gen is not None else -1
    return f"next {d} {g}\n"


def error(e):
    return f"error: {e}\n"


def iterate(sampler, iterations):
    return "".join(" ".join(str(int(i)) for i in sampler) + "\n" for _ in range(iterations))


def torch_random(seed, n, replacement, num_samples, gen_seed, iterations):
    torch.manual_seed(seed)
    gen = generator_for(gen_seed)
    try:
        out = iterate(RandomSampler(range(n), bool(replacement), num_samples or None, gen), iterations)
    except ValueError as e:
        out = error(e)
    return out + tail(gen)


def torch_weighted(seed, replacement, num_samples, gen_seed, iterations, weights):
    torch.manual_seed(seed)
    gen = generator_for(gen_seed)
    try:
        out = iterate(WeightedRandomSampler(weights, num_samples, bool(replacement), gen), iterations)
    except (ValueError, RuntimeError) as e:
        out = "\n" + error(e)  # the C side prints the (empty) line of the failed iteration first
    return out + tail(gen)


def torch_subset_random(seed, gen_seed, indices):
    torch.manual_seed(seed)
    gen = generator_for(gen_seed)
    return iterate(SubsetRandomSampler(indices, gen), 1) + tail(gen)


def torch_split(seed, gen_seed, n, lengths):
    torch.manual_seed(seed)
    gen = generator_for(gen_seed)
    try:
        parts = random_split(range(n), lengths, generator=gen if gen is not None else torch.default_generator)
        out = "".join(" ".join(map(str, p.indices)) + "\n" for p in parts)
    except ValueError as e:
        out = error(e)
    return out + tail(gen)


def epochs_of(loader, epochs):
    out = []
    for _ in range(epochs):
        out.append("epoch\n")
        for batch in loader:
            values = batch[0] if isinstance(batch, list) else batch  # a TensorDataset's batch is [tensor]
            out.append(" ".join(str(int(i)) for i in values) + "\n")
    return "".join(out)


def torch_loader(seed, n, batch_size, drop_last, kind, replacement, num_samples, sampler_gen_seed,
                 loader_gen_seed, epochs, workers):
    torch.manual_seed(seed)
    sampler_gen, loader_gen = generator_for(sampler_gen_seed), generator_for(loader_gen_seed)
    try:
        data = list(range(n))
        if kind == "sequential":
            sampler = SequentialSampler(data)
        else:
            sampler = RandomSampler(data, bool(replacement), num_samples or None, sampler_gen)
        if kind == "batch":
            loader = DataLoader(data, batch_sampler=BatchSampler(sampler, batch_size, bool(drop_last)),
                                generator=loader_gen)
        else:
            loader = DataLoader(data, batch_size=batch_size, drop_last=bool(drop_last), sampler=sampler,
                                generator=loader_gen)
        out = epochs_of(loader, epochs)
    except ValueError as e:
        out = error(e)
    return out + tail(sampler_gen)


def torch_concat(seed, workers, batch_size, lengths):
    torch.manual_seed(seed)
    parts = [TensorDataset(torch.arange(100 * j, 100 * j + n)) for j, n in enumerate(lengths)]
    data = ConcatDataset(parts)
    out = epochs_of(DataLoader(data, batch_size=batch_size, shuffle=True), 2)
    n = len(data)
    for i in sorted({-1, -n}, reverse=True):
        out += f"item {i} {int(data[i][0])}\n"
    try:
        data[-n - 1]
    except ValueError as e:
        out += error(e)
    return out + tail(None)


def torch_options(shuffle, has_sampler, has_batch_sampler, batch_size, drop_last, workers, prefetch):
    data = list(range(10))
    sampler = SequentialSampler(data)
    kwargs = dict(shuffle=bool(shuffle), drop_last=bool(drop_last), num_workers=workers,
                  sampler=sampler if has_sampler else None,
                  batch_sampler=BatchSampler(sampler, 3, False) if has_batch_sampler else None,
                  prefetch_factor=prefetch or 2)
    if batch_size:
        kwargs["batch_size"] = batch_size
    try:
        return f"ok {len(DataLoader(data, **kwargs))}\n"
    except ValueError as e:
        return error(e)


warnings.simplefilter("ignore")  # random_split warns about empty splits
rng = random.Random(11)


def seed():
    return rng.choice([0, 1, 42, 2**32 + 5, rng.getrandbits(40)])


def gen_seed():
    return rng.choice([-1, -1, 3, rng.getrandbits(32)])


cases, wants = [], []


def add(line, want):
    cases.append(line)
    wants.append(want)


for _ in range(120):
    n = rng.randint(1, 70)
    args = (seed(), n, rng.randint(0, 1), rng.choice([0, 0, rng.randint(1, 100), 32, 64]), gen_seed(),
            rng.randint(1, 3))
    add("random " + " ".join(map(str, args)), torch_random(*args))
add("random 0 0 0 0 -1 1", torch_random(0, 0, 0, 0, -1, 1))
add("random 0 5 1 -3 -1 1", torch_random(0, 5, 1, -3, -1, 1))
for _ in range(80):
    k = rng.randint(1, 40)
    weights = [rng.choice([0.5, 1.0, 2.0, rng.random() * 10, rng.random()]) for _ in range(k)]
    replacement = rng.randint(0, 1)
    num = rng.randint(1, 60) if replacement else rng.randint(1, k)
    args = (seed(), replacement, num, gen_seed(), rng.randint(1, 2))
    add("weighted " + " ".join(map(str, args)) + " " + " ".join(repr(w) for w in weights),
        torch_weighted(*args, weights))
add("weighted 0 0 5 -1 1 1 2 3", torch_weighted(0, 0, 5, -1, 1, [1.0, 2.0, 3.0]))
add("weighted 0 1 5 -1 1 0 0", torch_weighted(0, 1, 5, -1, 1, [0.0, 0.0]))
add("weighted 0 0 1 -1 1 1 -1", torch_weighted(0, 0, 1, -1, 1, [1.0, -1.0]))
# One sample with replacement: torch.multinomial's with-replacement kernel, not its race.
add("weighted 0 1 1 -1 3 0.1 0.5 0.2 0.2", torch_weighted(0, 1, 1, -1, 3, [0.1, 0.5, 0.2, 0.2]))
add("weighted 7 1 1 5 2 1 1 1 1 1 1 1 1", torch_weighted(7, 1, 1, 5, 2, [1.0] * 8))
add("weighted 0 1 1 -1 1", torch_weighted(0, 1, 1, -1, 1, []))
for _ in range(20):
    indices = [rng.randint(0, 99) for _ in range(rng.randint(0, 30))]
    args = (seed(), gen_seed())
    add("subset_random " + " ".join(map(str, args + tuple(indices))), torch_subset_random(*args, indices))
for _ in range(60):
    n = rng.randint(0, 50)
    if rng.random() < 0.5:
        cuts = sorted(rng.randint(0, n) for _ in range(rng.randint(0, 4)))
        lengths = [b - a for a, b in zip([0] + cuts, cuts + [n])]
    else:
        raw = [rng.randint(1, 10) for _ in range(rng.randint(1, 5))]
        lengths = [r / sum(raw) for r in raw]
        if abs(sum(lengths) - 1) > 1e-12 or sum(lengths) > 1:
            lengths = [0.25, 0.75]
    args = (seed(), gen_seed(), n)
    add("split " + " ".join(map(str, args)) + " " + " ".join(repr(float(x)) for x in lengths),
        torch_split(*args, lengths))
for lengths in ([3, 8], [0.3, 0.3, 0.4], [1.5, -0.5], [4, 4], [0.5, 0.6], [11]):
    add("split 0 7 10 " + " ".join(repr(float(x)) for x in lengths), torch_split(0, 7, 10, lengths))
for _ in range(100):
    kind = rng.choice(["random", "sequential", "batch"])
    args = (seed(), rng.randint(1, 40), rng.randint(1, 9), rng.randint(0, 1), kind, rng.randint(0, 1),
            rng.choice([0, 0, rng.randint(1, 80)]), gen_seed(), gen_seed(), rng.randint(1, 3),
            rng.choice([0, 0, 1, 2, 3]))
    add("loader " + " ".join(map(str, args)), torch_loader(*args))
for _ in range(15):
    lengths = [rng.randint(0, 6) for _ in range(rng.randint(1, 4))]
    lengths[0] += 1
    args = (seed(), rng.choice([0, 2]), rng.randint(1, 5))
    add("concat " + " ".join(map(str, args + tuple(lengths))), torch_concat(*args, lengths))
for opts in ((1, 1, 0, 0, 0, 0, 0), (0, 0, 1, 4, 0, 0, 0), (0, 0, 1, 0, 1, 0, 0), (1, 0, 1, 0, 0, 0, 0),
             (0, 1, 1, 0, 0, 0, 0), (0, 0, 1, 1, 0, 0, 0), (0, 0, 0, 4, 0, -1, 0), (0, 0, 0, 4, 0, 0, 3),
             (0, 0, 0, 4, 1, 2, 3), (0, 1, 0, 4, 1, 0, 0), (0, 0, 0, -2, 0, 0, 0)):
    add("options " + " ".join(map(str, opts)), torch_options(*opts))

got = run_c(sys.argv[1], cases)
check = Checker("data_more")
for c, g, w in zip(cases, got, wants):
    check.equal(g, w, c)
check.finish()
