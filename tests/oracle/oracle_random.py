"""Random-number parity: every ctorch draw against PyTorch after the same seed, bit for bit.

Cases are sequences of commands (see oracle_random.c for the language) run on both sides:
rand / randn (float32, float64: all three randn paths, every size 1..40 plus 100, 1000,
4099, odd sizes up to 181073, sizes around the 624-word twist after 0..625 earlier draws,
so the n % 16 tail re-draw, bulk draws and the normal cache are covered), randint (int64, int32,
float, bool; narrow and >= 2^32 ranges), randperm, bernoulli, uniform_ / normal_ /
random_ / bernoulli_ on contiguous, transposed, permuted and sliced views (the serial path
and its fill order), rand_like / randn_like (empty_like's layout), raw 32/64-bit draws,
seeds 0, 1, 42, 2^32+5, 2^40+7, negative and 2^64-1, separate generators, state blobs
(byte for byte against torch.get_rng_state) and their restore, a DataLoader epoch, and
error messages. Values travel as bit patterns; every comparison is exact.
"""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402
from harness import BITS, NAME, Checker, parse_shape_list, run_c, torch_dtype, values  # noqa: E402

SEEDS = [0, 1, 42, 2**32 + 5, 2**40 + 7]
SIZES = list(range(1, 41)) + [100, 1000, 4099]


# ---- the torch side of the command language ----

def fmt_tensor(t, with_strides=False):
    s = f"{NAME[t.dtype]} [{','.join(map(str, t.shape))}]"
    if with_strides:
        s += f" ({','.join(map(str, t.stride()))})"
    return s + values(t, BITS) + "\n"


def make_view(base, spec):
    v = base
    if spec == "c":
        return v
    for part in spec.split("/"):
        nums = [int(x) for x in part[1:].split(".")]
        if part[0] == "p":
            v = v.permute(*nums)
        else:
            dim, start, stop, step = nums
            v = v[(slice(None),) * dim + (slice(start, stop, step),)]
    return v


class TorchSide:
    def __init__(self):
        self.slots = {}
        self.saved = {}

    def gen(self, tok):
        if tok and tok[-1].startswith("@"):
            k = int(tok[-1][1:])
            return tok[:-1], (self.slots[k] if k else torch.default_generator), k
        return tok, None, 0

    def run(self, cmd):
        try:
            return self._run(cmd)
        except RuntimeError as e:
            return "ERR " + str(e).split("\n")[0] + "\n"

    def _run(self, cmd):
        tok, g, k = self.gen(cmd.split())
        op = tok[0]
        gd = g if g is not None else torch.default_generator
        if op == "seed":
            gd.manual_seed(int(tok[1]))
            return "ok\n"
        if op == "gnew":
            self.slots[int(tok[1])] = torch.Generator()
            return "ok\n"
        if op == "initial_seed":
            return f"{gd.initial_seed()}\n"
        if op in ("r32", "r64"):
            return f"{self.raw_draw(gd, op == 'r64')}\n"
        if op == "state":
            return gd.get_state().numpy().tobytes().hex() + "\n"
        if op == "save":
            self.saved[k] = gd.get_state()
            return "ok\n"
        if op == "load":
            gd.set_state(self.saved[k])
            return "ok\n"
        if op in ("rand", "randn"):
            f = torch.rand if op == "rand" else torch.randn
            return fmt_tensor(f(parse_shape_list(tok[2]), dtype=torch_dtype(tok[1]), generator=g))
        if op == "randint":
            return fmt_tensor(torch.randint(int(tok[1]), int(tok[2]), parse_shape_list(tok[4]),
                                            dtype=torch_dtype(tok[3]), generator=g))
        if op == "randperm":
            return fmt_tensor(torch.randperm(int(tok[1]), generator=g))
        if op == "dataloader":
            n = int(tok[1])
            loader = DataLoader(list(range(n)), batch_size=3, shuffle=True, generator=g)
            order = [i for b in loader for i in b.tolist()]
            return fmt_tensor(torch.tensor(order, dtype=torch.int64).reshape(n))
        return self.view_command(op, tok, g)

    @staticmethod
    def raw_draw(gd, wide):
        # torch exposes no raw draw: int32 randint over 2^32 values is random() % 2^32 shifted by
        # -2^31, and randint over 2^64 - 1 values is random64() % (2^64 - 1) (the draw itself
        # unless it is 2^64 - 1).
        if not wide:
            return (torch.randint(-2**31, 2**31, (), dtype=torch.int32, generator=gd).item() + 2**31) % 2**32
        v = torch.randint(-2**63, 2**63 - 1, (), dtype=torch.int64, generator=gd).item()
        return (v + 2**63) % 2**64

    def view_command(self, op, tok, g):
        nargs = {"uniform_": 2, "normal_": 2, "random_": 2, "bernoulli_": 1, "bernoulli": 1,
                 "rand_like": 0, "randn_like": 0}[op]
        a = 1 + nargs
        base = torch.zeros(parse_shape_list(tok[a + 1]), dtype=torch_dtype(tok[a]))
        v = make_view(base, tok[a + 2])
        args = tok[1:a]
        if op == "uniform_":
            v.uniform_(float(args[0]), float(args[1]), generator=g)
        elif op == "normal_":
            v.normal_(float(args[0]), float(args[1]), generator=g)
        elif op == "random_":
            v.random_(int(args[0]), int(args[1]), generator=g)
        elif op == "bernoulli_":
            v.bernoulli_(float(args[0]), generator=g)
        elif op == "bernoulli":
            return fmt_tensor(torch.bernoulli(v, float(args[0]), generator=g), True)
        elif op == "rand_like":
            return fmt_tensor(self.like(torch.rand_like, v, g), True)
        elif op == "randn_like":
            return fmt_tensor(self.like(torch.randn_like, v, g), True)
        return fmt_tensor(base)

    @staticmethod
    def like(fn, v, g):
        if g is None:
            return fn(v)
        # *_like take no generator: draw on empty_like's layout with the in-place op instead.
        out = torch.empty_like(v)
        return out.uniform_(generator=g) if fn is torch.rand_like else out.normal_(generator=g)


# ---- case generation ----

def cases(rng):
    out = []
    add = out.append
    # rand / randn for every size, dtype and seed; a second call shares the state (cache).
    for seed in SEEDS:
        for n in SIZES:
            for dt in ("f32", "f64"):
                follow = rng.choice(["randn f32 1", "randn f64 3", "rand f32 2", "randn f32 17"])
                add(f"seed {seed} ; randn {dt} {n} ; {follow}")
                add(f"seed {seed} ; rand {dt} {n} ; {follow}")
    # Bulk draws across the 624-word twist and the conversion chunks, after 0..625 earlier draws.
    for pre in [0, 1, 2, 311, 623, 624, 625]:
        n = rng.choice([255, 256, 257, 511, 512, 513, 623, 624, 625, 1025, 1248, 1249])
        add(f"seed {rng.choice(SEEDS)} ; randint 0 10 i32 {pre} ; rand f32 {n} ; rand f64 {n} ; randn f32 {n} ; "
            f"randn f64 {n} ; r32")
    # Larger and odd sizes.
    for n in [181073] + [rng.randint(41, 3000) for _ in range(12)]:
        add(f"seed {rng.choice(SEEDS)} ; randn f32 {n} ; randn f64 {n // 3} ; rand f32 {n} ; rand f64 5")
    # Shapes, 0-d and empty.
    for shape in ["s", "0", "2,0,3", "4,4", "2,3,4", "3,16", "17,1", "1,20"]:
        for dt in ("f32", "f64"):
            add(f"seed 7 ; randn {dt} {shape} ; rand {dt} {shape}")
    # The cached normal: alternating serial (n < 16) and fill paths, both dtypes.
    for seed in SEEDS[:3]:
        add(f"seed {seed} ; randn f32 1 ; randn f32 1 ; randn f32 1 ; randn f64 2 ; randn f32 16 ; randn f32 1")
        add(f"seed {seed} ; randn f64 3 ; randn f32 33 ; randn f64 1 ; seed {seed} ; randn f32 1")
        add(f"seed {seed} ; normal_ 0.5 0.02 f32 1 c ; normal_ -2 3 f64 1 c ; normal_ 1 0.1 f32 3 c")
    # Negative / huge seeds and initial_seed.
    for seed in [2**64 - 1, 2**63, 2**32, 12345, 2**32 + 12345]:
        add(f"seed {seed} ; initial_seed ; r32 ; r64 ; randn f32 5")
    # Raw draws and separate generators.
    add("gnew 1 ; initial_seed @1 ; r32 @1 ; r64 @1 ; rand f32 3 @1")
    add("gnew 2 ; seed 3 @2 ; seed 3 ; r32 @2 ; r32 ; randn f32 20 @2 ; randn f32 20")
    for seed in SEEDS:
        add(f"seed {seed} ; " + " ; ".join(["r32"] * 5 + ["r64"] * 5))
    # State blobs, byte for byte, and restoring them (cache included).
    add("seed 0 ; state ; randn f32 1 ; state ; r32 ; state")
    add("gnew 3 ; state @3 ; randn f64 1 @3 ; state @3")
    add("seed 5 ; randn f32 1 ; save ; randn f32 3 ; load ; randn f32 3 ; state")
    add("seed 9 ; rand f32 700 ; save ; rand f32 5 ; load ; rand f32 5")
    add("gnew 4 ; seed 11 @4 ; randn f32 2 @4 ; save @4 ; randn f32 4 @4 ; load @4 ; randn f32 4 @4")
    # normal_ / uniform_ with parameters, all paths.
    for n in [1, 5, 15, 16, 17, 31, 32, 33, 100, 1000, 2000]:
        for dt in ("f32", "f64"):
            m, s = rng.choice([(0.5, 0.02), (-2, 3), (1, 0.1), (0, 1e-3)])
            a, b = rng.choice([(-0.1, 0.3), (-2, 3), (0, 0), (5, 5.5), (-1e-3, 1e-3)])
            add(f"seed {rng.choice(SEEDS)} ; normal_ {m} {s} {dt} {n} c ; uniform_ {a} {b} {dt} {n} c")
    # Views: transposed, permuted, sliced (serial path, fill order) and the *_like layouts.
    views = [("4,5", "p1.0"), ("5,7", "s1.1.6.2"), ("7,5", "p1.0/s0.0.5.2"), ("2,3,4", "p2.0.1"),
             ("2,3,4", "p1.2.0/s2.0.3.2"), ("6,6", "s0.1.6.1"), ("4,4", "p1.0"), ("3,1,7", "p2.1.0"),
             ("8,3", "s0.0.8.3"), ("1,20", "p1.0"), ("20,1", "c"), ("5,6,2", "s1.0.6.2/p2.1.0")]
    for base, view in views:
        for dt in ("f32", "f64"):
            seed = rng.choice(SEEDS)
            add(f"seed {seed} ; normal_ 0 1 {dt} {base} {view} ; randn_like {dt} {base} {view}")
            add(f"seed {seed} ; uniform_ -1 2 {dt} {base} {view} ; rand_like {dt} {base} {view}")
            add(f"seed {seed} ; bernoulli_ 0.3 {dt} {base} {view} ; bernoulli 0.7 {dt} {base} {view}")
        add(f"seed 3 ; random_ -5 17 i64 {base} {view} ; bernoulli_ 0.5 i64 {base} {view}")
    # randint: dtypes and ranges (narrow, negative, >= 2^32, full int64).
    for dt, lo, hi in [("i64", 0, 10), ("i64", -5, 5), ("i64", 0, 2**32), ("i64", 0, 2**32 + 3),
                       ("i64", -2**40, 2**40), ("i64", -2**63, 2**63 - 1), ("i32", -100, 100),
                       ("i32", -2**31, 2**31 - 1), ("f32", 0, 1000), ("f32", 0, 2**32 + 3),
                       ("f64", -2**40, 2**40), ("bool", 0, 2), ("i64", 3, 4), ("f32", 0, 2**60),
                       ("f64", -2**62, 2**62), ("f32", 2**60, 2**60 + 5)]:
        for n in [1, 7, 40]:
            add(f"seed {rng.choice(SEEDS)} ; randint {lo} {hi} {dt} {n} ; randint {lo} {hi} {dt} 2,3")
    # randperm for many n, and the DataLoader recipe.
    for n in list(range(0, 41)) + [100, 1000, 4099]:
        add(f"seed {rng.choice(SEEDS)} ; randperm {n} ; randperm 5")
    for n in [1, 5, 10, 13, 100]:
        add(f"seed {rng.choice(SEEDS)} ; dataloader {n} ; dataloader {n}")
        add(f"gnew 5 ; seed {rng.choice(SEEDS)} @5 ; dataloader {n} @5 ; r32 @5")
    # Errors.
    add("randint 5 5 i64 3 ; randint 6 5 i64 3 ; randint 0 1099511627776 i32 3 ; randint -1 1 bool 2")
    add("randperm -1 ; rand i64 3 ; randn i64 3 ; rand i64 0 ; randint 5 5 i64 0")
    add("bernoulli_ 1.5 f32 3 c ; bernoulli_ -0.5 f32 3 c ; bernoulli_ nan f32 3 c ; bernoulli 2 f32 3 c")
    add("uniform_ 1 0 f32 3 c ; uniform_ 0 1 i64 3 c ; uniform_ -3e38 3e38 f32 3 c ; uniform_ 0 inf f64 3 c")
    add("uniform_ nan 1 f32 3 c ; uniform_ 0 3.5e38 f32 3 c ; uniform_ 1 0 f32 0 c ; uniform_ 0 1 i64 0 c")
    add("normal_ 0 -1 f32 3 c ; normal_ 0 nan f32 3 c ; normal_ 0 1 i64 3 c ; normal_ 0 -1 i64 3 c")
    add("random_ 5 5 f32 3 c ; random_ 0 1099511627776 i32 3 c ; random_ 0 3 bool 3 c")
    return out


def main():
    binary = sys.argv[1]
    rng = random.Random(1234)
    case_list = cases(rng)
    got = run_c(binary, case_list)
    checker = Checker("random")
    for case, answer in zip(case_list, got):
        side = TorchSide()
        torch.manual_seed(0)
        want = "".join(side.run(cmd.strip()) for cmd in case.split(";"))
        checker.equal(answer, want, case)
    checker.finish()


if __name__ == "__main__":
    main()
