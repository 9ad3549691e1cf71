""".pt interchange with live PyTorch (C side: oracle_pt.c).

Load: torch.save writes tensors of every ctorch dtype (NaN payloads, -0.0, integer
extremes), 0-d, empty and 8-dim tensors, views sharing one storage (transposed, sliced,
stepped, offset), Parameters, tensors requiring grad, nested lists / tuples / dicts /
OrderedDicts of numbers, strings and None, module and optimizer state dicts, and an
archive rewritten big-endian with a byteorder entry. ctorch's tree must match PyTorch's
object exactly: kinds, values (bits), shapes, strides, storage offsets, which tensors share
a storage, requires_grad and Parameters. Files torch.load(weights_only=True) refuses
(other globals, a reduce to os.system) and files ctorch refuses by design (compressed
entries, other dtypes, every truncation, corrupt sizes) must fail with a message.

Save: ctorch saves each loaded tree back; torch.load(f, weights_only=True) (or
weights_only=False for trees holding floats, which 1.13's weights_only loader refuses)
must give the original object back: same types (OrderedDict, Parameter, tuple), same
storage sharing; every entry stored and its data 64-byte aligned, as PyTorch writes.
nn.Linear state dicts go both ways against torch.nn.Linear made from the same seed.
"""
import collections
import os
import random
import struct
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
from harness import Checker, run_c  # noqa: E402
from value_dump import NAME, dump  # noqa: E402

SEED = 20261207
DTYPES = [torch.bool, torch.int32, torch.int64, torch.float32, torch.float64]


def has_float(o):
    if isinstance(o, float):
        return True
    if isinstance(o, (list, tuple)):
        return any(has_float(x) for x in o)
    if isinstance(o, dict):
        return any(has_float(k) or has_float(v) for k, v in o.items())
    return False


# ---- objects to save ----

def random_tensor(rng, dtype, shape):
    n = 1
    for s in shape:
        n *= s
    if dtype == torch.bool:
        return torch.tensor([rng.random() < 0.5 for _ in range(n)], dtype=dtype).reshape(shape)
    if dtype in (torch.int32, torch.int64):
        bits = 31 if dtype == torch.int32 else 63
        pool = [0, 1, -1, 2 ** bits - 1, -2 ** bits]
        vals = [rng.choice(pool) if rng.random() < 0.2 else rng.randint(-1000, 1000) for _ in range(n)]
        return torch.tensor(vals, dtype=dtype).reshape(shape)
    t = torch.randn(n, dtype=dtype)
    special = [float("inf"), float("-inf"), -0.0, 0.0]
    for i in range(n):
        if rng.random() < 0.1:
            t[i] = rng.choice(special)
    if n and dtype == torch.float32:  # a NaN with a payload survives bit for bit
        t.view(torch.int32)[0] = 0x7fc12345
    return t.reshape(shape)


def objects(rng):
    cases = []
    shapes = [(), (0,), (3,), (2, 3), (0, 4), (2, 1, 3), (1, 2, 1, 2, 1, 2, 1, 2)]
    for dtype in DTYPES:
        for shape in shapes:
            cases.append((f"{NAME[dtype]} {shape}", random_tensor(rng, dtype, shape)))
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    cases.append(("views share a storage", [base, base.t(), base[1:], base[:, ::2], base[2, 3], base[1:3, 2:5].t()]))
    cases.append(("a lone transposed view", base.t()))
    cases.append(("a lone offset slice", base[2:, 1::3]))
    cases.append(("an expanded view", torch.ones(3).expand(4, 3)))
    cases.append(("a view of a view in a dict", {"a": base[1], "b": base[1][2:]}))
    p = torch.nn.Parameter(torch.randn(3, 2))
    q = torch.nn.Parameter(torch.randn(2), requires_grad=False)
    cases.append(("parameters", [p, q, p.detach()[1]]))
    cases.append(("requires_grad leaf", torch.randn(4, requires_grad=True)))
    ints = [0, 1, -1, 255, 256, 65535, 65536, -65536, 2 ** 31 - 1, -2 ** 31, 2 ** 31, -2 ** 31 - 1,
            2 ** 40, -2 ** 47, 2 ** 63 - 1, -2 ** 63]
    cases.append(("ints", ints))
    cases.append(("scalars and containers", {
        "none": None, "t": True, "f": False, "s": "Paris \u00e9\u4e2d", "empty": "", "tup": (1, (2, 3), ()),
        "list": [[], [[1]], (4, 5, 6, 7)], 3: "int key", -7: [None], "od": collections.OrderedDict(x=1, y=[2]),
        "big": list(range(2500)), "map": {i: str(i) for i in range(2100)}}))
    cases.append(("floats", [0.0, -0.0, 1.5, float("inf"), float("-inf"), float("nan"), 1e-310, 0.1]))
    torch.manual_seed(3)
    net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    cases.append(("module state_dict", net.state_dict()))
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    net(torch.randn(5, 4)).sum().backward()
    opt.step()
    cases.append(("Adam state_dict", opt.state_dict()))
    sgd = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    net(torch.randn(5, 4)).sum().backward()
    sgd.step()
    cases.append(("SGD state_dict", sgd.state_dict()))
    shared = torch.randn(5)
    cases.append(("the same tensor twice", {"w": shared, "tied": shared, "list": [shared, shared[1:]]}))
    cases.append(("int64 storage views", torch.arange(10)[::3]))
    torch.manual_seed(5)
    torch.randn(3)
    cases.append(("generator states (uint8)", {"rng": torch.get_rng_state(), "empty": torch.zeros(0, dtype=torch.uint8),
                                              "byte": torch.tensor([7], dtype=torch.uint8)}))
    return cases


# ---- crafted archives ----

def rewrite(src, dst, transform):
    """Copies a .pt zip, passing (name, bytes) through transform (None drops the entry)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            out = transform(info.filename, zin.read(info))
            if out is not None:
                zout.writestr(out[0], out[1], compress_type=out[2] if len(out) > 2 else zipfile.ZIP_STORED)


def big_endian_copy(src, dst, obj):
    """The file rewritten big-endian: every storage byte-swapped, a byteorder entry added."""
    sizes = {}

    def collect(o):
        if isinstance(o, torch.Tensor):
            sizes[o.storage().data_ptr()] = o.element_size()
        elif isinstance(o, (list, tuple)):
            for x in o:
                collect(x)
    collect(obj)
    elem = list(sizes.values())[0]

    def swap(name, data):
        if "/data/" in name:
            data = b"".join(data[i:i + elem][::-1] for i in range(0, len(data), elem))
        return name, data
    rewrite(src, dst, swap)
    with zipfile.ZipFile(dst, "a", zipfile.ZIP_STORED) as z:
        prefix = z.namelist()[0].split("/")[0]
        z.writestr(f"{prefix}/byteorder", "big")


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def raw_pickle_archive(path, pkl):
    """A .pt archive whose data.pkl is the given bytes."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pkl)
        z.writestr("archive/version", "3\n")


def bad_files(tmp, rng):
    """(name, path, phrase the message must hold, torch also refuses)."""
    out = []
    good = os.path.join(tmp, "good.pt")
    torch.save({"w": torch.arange(6, dtype=torch.float32).reshape(2, 3), "n": [1, 2]}, good)
    path = os.path.join(tmp, "evil.pt")
    torch.save({"x": Evil()}, path)
    out.append(("reduce to os.system", path, "Unsupported class", True))
    path = os.path.join(tmp, "class.pt")
    torch.save(collections.Counter(a=1), path)
    out.append(("a Counter", path, "Unsupported class collections.Counter", True))
    path = os.path.join(tmp, "deflate.pt")
    rewrite(good, path, lambda n, d: (n, d, zipfile.ZIP_DEFLATED))
    out.append(("deflated entries", path, "compressed", False))
    path = os.path.join(tmp, "half.pt")
    torch.save(torch.ones(3, dtype=torch.float16), path)
    out.append(("float16", path, "unsupported dtype: torch.HalfStorage", False))
    path = os.path.join(tmp, "uint8_2d.pt")
    torch.save(torch.zeros(2, 2, dtype=torch.uint8), path)
    out.append(("2-D uint8", path, "uint8 tensor loads only as a 1-D contiguous", False))
    path = os.path.join(tmp, "short_storage.pt")
    rewrite(good, path, lambda n, d: (n, d[:-4]) if n.endswith("/data/0") else (n, d))
    out.append(("storage shorter than declared", path, "holds 20 bytes but is declared as 6 float32", False))
    path = os.path.join(tmp, "missing_storage.pt")
    rewrite(good, path, lambda n, d: None if n.endswith("/data/0") else (n, d))
    out.append(("storage entry missing", path, "missing", True))
    path = os.path.join(tmp, "no_pickle.pt")
    rewrite(good, path, lambda n, d: None if n.endswith("data.pkl") else (n, d))
    out.append(("no data.pkl", path, "data.pkl", True))
    path = os.path.join(tmp, "not_zip.pt")
    with open(path, "wb") as f:
        f.write(b"\x80\x02}q\x00.")
    out.append(("a legacy (non-zip) file", path, "not a valid zip archive", False))
    path = os.path.join(tmp, "empty.pt")
    open(path, "wb").close()
    out.append(("an empty file", path, "zip archive", True))
    # Opcodes outside the set: BINFLOAT is accepted, others not.
    for name, pkl, phrase in [
        ("INST opcode", b"\x80\x02(i__builtin__\nlist\n.", "Unsupported operand 105"),
        ("STACK_GLOBAL", b"\x80\x04\x8c\x02os\x8c\x06system\x93.", "Unsupported operand"),
        ("a reduce of a tuple", b"\x80\x02))R.", "unrecognized function"),
        ("deep nesting", b"\x80\x02" + b"]" * 300 + b"a" * 299 + b".", "nested deeper"),
        ("deep marks", b"\x80\x02" + b"(" * 300 + b".", "nested deeper"),
        ("memo miss", b"\x80\x02h\x05.", "memo value 5 not found"),
        ("no STOP", b"\x80\x02]", "ends without STOP"),
        ("unbalanced", b"\x80\x02]].", "left on the stack"),
        ("persid of a non-storage", b"\x80\x02(X\x03\x00\x00\x00fooK\x01tQ.", "Only persistent_load of storage"),
        ("a bare global", b"\x80\x02ctorch\nSize\n.", "cannot represent"),
        ("sparse rebuild", b"\x80\x02ctorch._utils\n_rebuild_sparse_tensor\n)R.", "not supported by ctorch"),
        ("append to a dict", b"\x80\x02}Na.", "Can only append to lists"),
    ]:
        path = os.path.join(tmp, f"pkl_{len(out)}.pt")
        raw_pickle_archive(path, pkl)
        out.append((name, path, phrase, name not in ("deep nesting", "deep marks", "a bare global", "unbalanced")))
    # Every truncation of a small file, and random byte flips (may load; must not crash).
    data = open(good, "rb").read()
    for cut in sorted(set(rng.randrange(len(data)) for _ in range(60)) | {0, 1, 4, 30, len(data) - 1}):
        path = os.path.join(tmp, f"cut_{cut}.pt")
        with open(path, "wb") as f:
            f.write(data[:cut])
        out.append((f"truncated at {cut}", path, "cannot load", True))
    for i in range(40):
        b = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        path = os.path.join(tmp, f"flip_{i}.pt")
        with open(path, "wb") as f:
            f.write(bytes(b))
        out.append((f"byte flips {i}", path, None, None))
    return out


def aligned_and_stored(path):
    """Every entry stored, its data at a multiple of 64 bytes (the local header read)."""
    raw = open(path, "rb").read()
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            if info.compress_type != zipfile.ZIP_STORED:
                return f"{info.filename} is compressed"
            off = info.header_offset
            name_len, extra_len = struct.unpack("<HH", raw[off + 26:off + 30])
            start = off + 30 + name_len + extra_len
            if start % 64:
                return f"{info.filename} data at {start}"
    return "ok"


def step_once(params, opt):
    x = (torch.arange(6, dtype=torch.float32).view(2, 3) / 10)
    y = torch.nn.functional.linear(x, params[0], params[1])
    (y * y).sum().backward()
    opt.step()
    opt.zero_grad(set_to_none=True)


OPTIMIZER_KINDS = ["sgd", "adam", "adamw", "rmsprop", "adagrad", "adamax", "nadam", "radam",
                   "sgd2g", "adam2g", "rmsprop2g"]


def make_optimizer(kind, params):
    """oracle_pt.c's make_optimizer: a "2g" kind puts the bias in a second group."""
    first = params[:1] if kind.endswith("2g") else params
    base = kind[:-2] if kind.endswith("2g") else kind
    make = {
        "sgd": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
        "adam": lambda p: torch.optim.Adam(p),
        "adamw": lambda p: torch.optim.AdamW(p, amsgrad=True),
        "rmsprop": lambda p: torch.optim.RMSprop(p, momentum=0.5, centered=kind == "rmsprop"),
        "adagrad": lambda p: torch.optim.Adagrad(p, lr=0.1, lr_decay=0.01),
        "adamax": lambda p: torch.optim.Adamax(p),
        "nadam": lambda p: torch.optim.NAdam(p),
        "radam": lambda p: torch.optim.RAdam(p),
    }
    opt = make[base](first)
    second = {"sgd2g": {"lr": 0.05, "momentum": 0.8, "nesterov": True},
              "adam2g": {"lr": 0.01, "betas": (0.8, 0.99), "amsgrad": True},
              "rmsprop2g": {"centered": True, "momentum": 0.3, "alpha": 0.9}}
    if kind in second:
        opt.add_param_group({"params": params[1:], **second[kind]})
    return opt


def stepped_optimizer(kind, steps):
    """oracle_pt.c's stepped_optimizer in torch: Linear(3, 2) after manual_seed(0)."""
    torch.manual_seed(0)
    params = list(torch.nn.Linear(3, 2).parameters())
    opt = make_optimizer(kind, params)
    for _ in range(steps):
        step_once(params, opt)
    return opt


def all_params(opt):
    return [p for g in opt.param_groups for p in g["params"]]


def same_state_dict(checker, got, want, what):
    """Bit-exact state (tensors and ints by type), equal param groups, the first in PyTorch's
    key order (an added group's dict starts with the keys given to add_param_group, in the
    caller's order; ctorch keeps the optimizer's order for every group)."""
    checker.equal(dump(got["state"], types=True), dump(want["state"], types=True), f"{what} state")
    checker.equal(got["param_groups"], want["param_groups"], f"{what} param_groups")
    checker.equal(list(got["param_groups"][0]), list(want["param_groups"][0]), f"{what} key order")


SCHEDULER_KINDS = ["step", "multistep", "cosine", "onecycle", "sequential"]
TORCH_READABLE = ["step", "cosine", "sequential"]  # others pickle a Counter or a method


def stepped_scheduler(kind, steps):
    """oracle_pt.c's stepped_scheduler: SGD over Linear(3, 2), a scheduler stepped `steps` times."""
    torch.manual_seed(0)
    opt = make_optimizer("sgd", list(torch.nn.Linear(3, 2).parameters()))
    sched = {
        "step": lambda: torch.optim.lr_scheduler.StepLR(opt, 2, 0.5),
        "multistep": lambda: torch.optim.lr_scheduler.MultiStepLR(opt, [2, 4], 0.5),
        "cosine": lambda: torch.optim.lr_scheduler.CosineAnnealingLR(opt, 5, 0.001),
        "onecycle": lambda: torch.optim.lr_scheduler.OneCycleLR(opt, 0.5, total_steps=10),
        "sequential": lambda: torch.optim.lr_scheduler.SequentialLR(
            opt, [torch.optim.lr_scheduler.LinearLR(opt, 0.25, 1.0, 3),
                  torch.optim.lr_scheduler.CosineAnnealingLR(opt, 6, 1e-4)], [3]),
    }[kind]()
    for _ in range(steps):
        opt.step()
        sched.step()
    return sched


def numeric_state(state):
    """A scheduler state's numbers with their types, as ctorch keeps them: lists of numbers,
    children's dicts; other attributes dropped, and MultiStepLR's milestones (a Counter,
    which ctorch does not save: each side keeps its own)."""
    out = {}
    for key, v in state.items():
        if isinstance(v, collections.Counter):
            continue
        if key == "_schedulers":
            out[key] = [numeric_state(c) for c in v]
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out[key] = (type(v).__name__, v)
        elif isinstance(v, list) and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
            out[key] = [(type(x).__name__, x) for x in v]
    return out


def check_scheduler_file(checker, path, kind, what):
    """The file holds torch's scheduler state after 3 steps; torch loads it and steps on alike."""
    saved = torch.load(path)
    want = stepped_scheduler(kind, 3)
    checker.equal(numeric_state(saved), numeric_state(want.state_dict()), f"{what} state")
    fresh = stepped_scheduler(kind, 0)
    fresh.load_state_dict(saved)
    for g, h in zip(fresh.optimizer.param_groups, want.optimizer.param_groups):
        g["lr"] = h["lr"]  # the optimizer's part of the schedule, saved with the optimizer
    lrs = []
    for s in (fresh, want):
        for _ in range(3):
            s.optimizer.step()
            s.step()
        lrs.append([g["lr"] for g in s.optimizer.param_groups])
    checker.equal(lrs[0], lrs[1], f"{what}: torch steps on from the file")


def main():
    rng = random.Random(SEED)
    torch.manual_seed(SEED)
    checker = Checker("oracle_pt")
    with tempfile.TemporaryDirectory() as tmp:
        cases, expect = [], []
        objs = objects(rng)
        for i, (name, obj) in enumerate(objs):
            path = os.path.join(tmp, f"obj_{i}.pt")
            torch.save(obj, path)
            cases.append(f"load {path}")
            expect.append(("load", name, "ok" + dump(obj) + "\nbuffer same\n"))
            back = os.path.join(tmp, f"back_{i}.pt")
            cases.append(f"roundtrip {path} {back}")
            expect.append(("roundtrip", name, (obj, back)))
        # Big-endian copies of a few tensors.
        for i, (name, obj) in enumerate(objs[:40]):
            if isinstance(obj, torch.Tensor) and obj.element_size() > 1 and obj.numel() > 0:
                path = os.path.join(tmp, f"be_{i}.pt")
                big_endian_copy(os.path.join(tmp, f"obj_{i}.pt"), path, obj)
                cases.append(f"load {path}")
                expect.append(("load", "big-endian " + name, "ok" + dump(obj) + "\nbuffer same\n"))
        for name, path, phrase, torch_refuses in bad_files(tmp, rng):
            cases.append(f"load {path}")
            expect.append(("bad", name, (path, phrase, torch_refuses)))
        # nn.Linear both ways.
        for seed, fi, fo in [(0, 3, 2), (7, 5, 4), (11, 1, 1)]:
            path = os.path.join(tmp, f"linear_c_{seed}.pt")
            cases.append(f"linear_save {seed} {fi} {fo} {path}")
            torch.manual_seed(seed)
            expect.append(("linear_save", seed, (path, torch.nn.Linear(fi, fo).state_dict())))
            path = os.path.join(tmp, f"linear_t_{seed}.pt")
            torch.manual_seed(seed + 100)
            sd = torch.nn.Linear(fi, fo).state_dict()
            torch.save(sd, path)
            cases.append(f"linear_load {fi} {fo} {path}")
            expect.append(("load", f"linear_load {seed}", "ok" + dump(dict(sd)) + "\n"))
        # Optimizer state both ways: the same Linear and steps in torch and in C. Loading
        # sets every group option: torch's file has other lr and weight_decay values, and C
        # steps on with them as torch does.
        for kind in OPTIMIZER_KINDS:
            opt = stepped_optimizer(kind, 2)
            path = os.path.join(tmp, f"optim_c_{kind}.pt")
            cases.append(f"optim_save {kind} {path}")
            expect.append(("optim_save", kind, (path, opt, kind)))
            path = os.path.join(tmp, f"optim_t_{kind}.pt")
            opt = stepped_optimizer(kind, 2)
            opt.param_groups[0]["lr"] = 0.05
            for g in opt.param_groups:
                g["weight_decay"] = 0.02
            torch.save(opt.state_dict(), path)
            step_once(all_params(opt), opt)
            back = os.path.join(tmp, f"optim_back_{kind}.pt")
            cases.append(f"optim_load {kind} {path} {back}")
            expect.append(("optim_load", kind, (back, opt)))
        # Scheduler state both ways.
        for kind in SCHEDULER_KINDS:
            path = os.path.join(tmp, f"sched_c_{kind}.pt")
            cases.append(f"sched_save {kind} {path}")
            expect.append(("sched", f"sched_save {kind}", (path, kind)))
            if kind in TORCH_READABLE:
                src = os.path.join(tmp, f"sched_t_{kind}.pt")
                torch.save(stepped_scheduler(kind, 3).state_dict(), src)
                path = os.path.join(tmp, f"sched_back_{kind}.pt")
                cases.append(f"sched_load {kind} {src} {path}")
                expect.append(("sched", f"sched_load {kind}", (path, kind)))
        path = os.path.join(tmp, "linear_wrong.pt")
        torch.save(torch.nn.Linear(2, 2).state_dict(), path)
        cases.append(f"linear_load 3 2 {path}")
        expect.append(("bad", "linear size mismatch", (path, "size mismatch for weight", False)))

        answers = run_c(sys.argv[1], cases)
        for (kind, name, want), got in zip(expect, answers):
            if kind == "load":
                checker.equal(got, want, name)
            elif kind == "roundtrip":
                obj, back = want
                if not checker.check(got == "saved\n", f"{name}: save failed: {got}"):
                    continue
                try:
                    loaded = torch.load(back, weights_only=not has_float(obj))
                    checker.equal(dump(loaded, types=True), dump(obj, types=True), f"roundtrip {name}")
                except Exception as e:  # noqa: BLE001
                    checker.check(False, f"roundtrip {name}: torch.load failed: {e}")
                checker.equal(aligned_and_stored(back), "ok", f"layout {name}")
            elif kind == "linear_save":
                path, sd = want
                if checker.check(got == "saved\n", f"linear_save {name}: {got}"):
                    loaded = torch.load(path, weights_only=True)
                    checker.equal(dump(loaded, types=True), dump(sd, types=True), f"linear_save {name}")
                    model = torch.nn.Linear(*sd["weight"].shape[::-1])
                    model.load_state_dict(torch.load(path, weights_only=True))
            elif kind == "optim_save":
                path, opt, which = want
                if checker.check(got == "saved\n", f"optim_save {which}: {got}"):
                    saved = torch.load(path)
                    same_state_dict(checker, saved, opt.state_dict(), f"optim {which}")
                    fresh = stepped_optimizer(which, 0)
                    fresh.load_state_dict(saved)  # PyTorch takes it and steps on
                    stepped_again = stepped_optimizer(which, 3)
                    model = all_params(fresh)
                    trained = all_params(stepped_optimizer(which, 2))
                    with torch.no_grad():
                        for p, q in zip(model, trained):
                            p.copy_(q)
                    step_once(model, fresh)
                    checker.equal(dump(fresh.state_dict()["state"]), dump(stepped_again.state_dict()["state"]),
                                  f"optim {which}: torch resumes from ctorch's state")
            elif kind == "sched":
                path, which = want
                if checker.check(got == "saved\n", f"{name}: {got}"):
                    check_scheduler_file(checker, path, which, name)
            elif kind == "optim_load":
                back, opt = want
                params = [p.detach() for p in all_params(opt)]
                if checker.equal(got, "ok" + dump(params) + "\n", f"optim_load {name}: C steps on as torch"):
                    same_state_dict(checker, torch.load(back), opt.state_dict(), f"optim_load {name}")
            else:
                path, phrase, torch_refuses = want
                first = got.split("\n")[0]
                if phrase is None:  # byte flips: loads or fails with a message, and agrees with the buffer
                    checker.check(got.endswith("buffer same\n") and (first.startswith("ok") or first.startswith("error cannot load")), f"{name}: {got}")
                    continue
                checker.check(first.startswith("error") and phrase in first and path in first,
                              f"{name}: expected an error naming {path} with {phrase!r}, got {got!r}")
                if torch_refuses:
                    try:
                        torch.load(path, weights_only=True)
                        checker.check(False, f"{name}: torch.load(weights_only=True) accepted it")
                    except Exception:  # noqa: BLE001
                        checker.check(True, name)
    checker.finish()


if __name__ == "__main__":
    main()
