"""DistributedSampler against PyTorch 1.13's: the same indices for every rank, seed, epoch,
world size, shuffle and drop_last, through the sampler and through a DataLoader using it
(single process: num_replicas and rank are given). See oracle_distributed_sampler.c."""
import random
import sys

import torch
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler

from harness import Checker, run_c


def torch_case(n, replicas, rank, shuffle, seed, drop_last, first_epoch, epochs):
    try:
        sampler = DistributedSampler(range(n), replicas, rank, bool(shuffle), seed, bool(drop_last))
    except ValueError as e:
        return f"error: {e}\n"
    out = f"len {len(sampler)}\n"
    for e in range(epochs):
        sampler.set_epoch(first_epoch + e)
        out += " ".join(str(i) for i in sampler) + "\n"
    batches = DataLoader(list(range(n)), batch_size=2, sampler=sampler)
    return out + "|".join(" ".join(str(int(i)) for i in b) for b in batches) + "\n"


def main():
    rng = random.Random(14)
    cases = []
    for n in (0, 1, 2, 5, 7, 10, 16, 33):
        for replicas in (1, 2, 3, 4):
            for drop_last in (0, 1):
                shuffle = rng.choice((0, 1, 1))
                rank = rng.randrange(replicas)
                cases.append((n, replicas, rank, shuffle, rng.choice((0, 1, 42, 2**40)), drop_last, rng.randrange(3), 3))
    cases += [(100, 3, r, 1, 7, d, 0, 2) for r in range(3) for d in (0, 1)]  # every rank of one job
    cases += [(10, 3, 3, 1, 0, 0, 0, 1), (10, 2, 5, 0, 0, 0, 0, 1)]  # invalid ranks
    lines = [" ".join(str(v) for v in c) for c in cases]
    got = run_c(sys.argv[1], lines)
    checker = Checker("distributed_sampler")
    for case, line, answer in zip(cases, lines, got):
        checker.equal(answer, torch_case(*case), line)
    checker.finish()


if __name__ == "__main__":
    main()
