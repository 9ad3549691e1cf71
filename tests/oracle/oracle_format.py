"""ct_format_float against Python's repr(float) (what f"{tensor}" prints for 0-d tensors)."""
import random
import struct
import sys

import torch

from harness import Checker, run_c

rng = random.Random(1234)
values = [0.0, -0.0, 1.0, -1.0, 2.5, 0.1, 1e-4, 9.999e-5, 1e-5, 1e16, 9999999999999998.0, 1e22, 123456789012345.0,
          float("inf"), float("-inf"), float("nan"), 5e-324, 1.7976931348623157e308]
for _ in range(400):
    kind = rng.random()
    if kind < 0.3:  # float32 values as the tensors' .item() produces them
        values.append(torch.tensor(rng.uniform(-10, 10) * 10 ** rng.randint(-8, 8)).item())
    elif kind < 0.6:
        values.append(rng.uniform(-1, 1) * 10 ** rng.randint(-30, 30))
    elif kind < 0.8:
        values.append(float(rng.randint(-10**6, 10**6)) * 10 ** rng.randint(-3, 12))
    else:
        values.append(struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0])
cases = [v.hex() for v in values]
got = run_c(sys.argv[1], cases)
check = Checker("format_float")
for v, g in zip(values, got):
    check.equal(g.strip(), repr(v), v)
check.finish()
