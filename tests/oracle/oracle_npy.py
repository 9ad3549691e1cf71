""".npy interchange with real NumPy and PyTorch (C side: oracle_npy.c).

Load: arrays of every supported dtype in both byte orders, 0-d, empty, Fortran-ordered,
up to 8 dims, written by NumPy in format versions 1.0, 2.0 and 3.0; tensors from torch
saved through .numpy(); hand-written headers NumPy accepts (quotes, key order, blanks,
comments, Python 2 'L' suffixes ...) and rejects; raw bool bytes other than 0/1; and
corrupt files (every truncation point of small files, random byte flips). The C program
loads each file (from the path and from memory). The expected answer is what np.load does
with the same file: an error exactly when NumPy fails or the dtype/rank is not a ctorch
one; otherwise the same dtype, shape, strides (torch.from_numpy(np.load(f)).stride()) and
element bits, read through torch for native byte order.

Save: tensors over random storages with random shapes, strides and offsets (permuted,
sliced, stepped and broadcast views, 0-d, empty). The C file must be byte-identical to
np.save of the same values, and np.load / torch.from_numpy(np.load(f)) must give the
values back (bits), as must ctorch loading its own file.
"""
import io
import os
import random
import struct
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
import torch  # noqa: E402
from harness import BITS, Checker, run_c, spec, value_tokens  # noqa: E402

SEED = 20240611
NATIVE = ["<f4", "<f8", "<i4", "<i8", "|b1"]
SWAPPED = [">f4", ">f8", ">i4", ">i8"]
CT_NAMES = {"f4": "float32", "f8": "float64", "i4": "int32", "i8": "int64", "b1": "bool"}


def ct_supported(arr):
    key = arr.dtype.kind + str(arr.dtype.itemsize)
    return key in CT_NAMES and arr.ndim <= 8


# ---- expected answers ----

def format_values(arr):
    """Row-major elements as oracle_npy.c prints them (TU_BITS), bit for bit."""
    flat = np.ascontiguousarray(arr).reshape(-1)
    name = CT_NAMES[flat.dtype.kind + str(flat.dtype.itemsize)]
    return "".join(" " + tok for tok in value_tokens(flat, name, BITS))


def format_tensor_values(t):
    """Same through torch: the bits of the torch tensor's elements, row-major."""
    return format_values(t.contiguous().numpy())


def describe(name, shape, strides, contiguous, values):
    numel = int(np.prod(shape)) if shape else 1
    stride_text = "".join(" %d" % s if numel else " -" for s in strides)
    return "ok %s |%s |%s | %d\n%s\n" % (name, "".join(" %d" % d for d in shape), stride_text,
                                         contiguous if numel else 1, values)


def expected_load(path):
    """What loading `path` must give, from np.load (+ torch.from_numpy for native order)."""
    # NumPy's file reader and its in-memory reader must both accept the file (the file
    # reader alone takes negative dims as reshape wildcards: (-2, 3) loads as (4, 3)).
    try:
        arr = np.load(path, allow_pickle=False)
        with open(path, "rb") as f:
            np.load(io.BytesIO(f.read()), allow_pickle=False)
    except Exception:  # NumPy refuses the file: so must ctorch
        return None
    if not isinstance(arr, np.ndarray) or not ct_supported(arr):
        return None
    name = CT_NAMES[arr.dtype.kind + str(arr.dtype.itemsize)]
    native = arr.astype(arr.dtype.newbyteorder("="), copy=False)
    if arr.dtype.isnative:
        t = torch.from_numpy(arr)
        return describe(name, list(t.shape), list(t.stride()), int(t.is_contiguous()), format_tensor_values(t))
    strides = [s // arr.itemsize for s in arr.strides]
    return describe(name, list(arr.shape), strides, int(arr.flags.c_contiguous), format_values(native))


# ---- random arrays ----

def random_shape(rng, max_dims=5, max_numel=400):
    ndim = rng.choice([0, 1, 1, 2, 2, 3, 3, 4, max_dims])
    while True:
        shape = tuple(rng.choice([0, 1, 1, 2, 3, 4, 5, 7]) if rng.random() < 0.9 else rng.randint(8, 40)
                      for _ in range(ndim))
        if 0 in shape and rng.random() < 0.7:
            continue  # empty arrays, but not too many
        if int(np.prod(shape)) <= max_numel:
            return shape


SPECIAL_F = [np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0]


def random_values(rng, nprng, descr, shape):
    kind = descr[1:]
    n = int(np.prod(shape)) if shape else 1
    if kind.startswith("f"):
        ftype = np.float32 if kind == "f4" else np.float64
        info = np.finfo(ftype)
        scale = 10.0 ** nprng.integers(-30, 30, size=n)
        vals = (nprng.standard_normal(n) * scale).astype(ftype)
        for i in range(n):
            r = rng.random()
            if r < 0.05:
                vals[i] = rng.choice(SPECIAL_F)
            elif r < 0.08:
                vals[i] = rng.choice([info.max, -info.max, info.tiny, info.smallest_subnormal, -info.smallest_subnormal])
        if n and rng.random() < 0.3:  # a NaN with a payload: its bits must survive
            bits = vals.view(np.uint32 if kind == "f4" else np.uint64)
            bits[0] = 0x7fc12345 if kind == "f4" else 0x7ff8000012345678
        out = vals
    elif kind.startswith("i"):
        itype = np.int32 if kind == "i4" else np.int64
        info = np.iinfo(itype)
        out = nprng.integers(info.min, info.max, size=n, dtype=itype, endpoint=True)
        if n:
            out[0] = rng.choice([info.min, info.max, 0, -1, 1])
    else:
        out = nprng.random(n) < 0.5
    return out.reshape(shape).astype(np.dtype(descr))


def header_bytes(header_text, version):
    """Preamble + header as NumPy would wrap `header_text` (padded to 64, newline)."""
    fmt = "<H" if version[0] == 1 else "<I"
    enc = "utf8" if version[0] == 3 else "latin1"
    body = header_text.encode(enc)
    hlen = len(body) + 1
    pad = 64 - ((8 + struct.calcsize(fmt) + hlen) % 64)
    return b"\x93NUMPY" + bytes(version) + struct.pack(fmt, hlen + pad) + body + b" " * pad + b"\n"


def raw_file(header_text, data, version=(1, 0)):
    return header_bytes(header_text, version) + data


# ---- load cases ----

def load_cases(rng, nprng, tmp):
    files = []

    def add(name, data):
        path = os.path.join(tmp, "%04d_%s.npy" % (len(files), name))
        with open(path, "wb") as f:
            f.write(data)
        files.append(path)

    def np_bytes(arr, version=None):
        buf = io.BytesIO()
        np.lib.format.write_array(buf, arr, version=version, allow_pickle=False)
        return buf.getvalue()

    # NumPy-written arrays: every dtype, byte order, order, version.
    for i in range(320):
        descr = rng.choice(NATIVE + SWAPPED)
        shape = random_shape(rng, max_dims=rng.choice([3, 5, 8]))
        arr = random_values(rng, nprng, descr, shape)
        if arr.ndim >= 2 and rng.random() < 0.4:
            arr = np.asfortranarray(arr)
        version = rng.choice([None, None, (1, 0), (2, 0), (3, 0)])
        add("np%s" % descr[1:], np_bytes(arr, version))
    # Torch tensors through .numpy(), including a transposed (Fortran-ordered) one.
    torch.manual_seed(0)
    for t in [torch.randn(3, 4), torch.randn(2, 3, 4, dtype=torch.float64), torch.arange(12).view(3, 4).t(),
              torch.randint(-5, 5, (5,), dtype=torch.int32), torch.rand(4, 4) > 0.5, torch.tensor(3.5),
              torch.zeros(0, 3), torch.randn(4, 6).t()]:
        add("torch", np_bytes(t.numpy()))
    # Arrays beyond ctorch: other dtypes and ranks must fail cleanly.
    for arr in [np.zeros(3, np.float16), np.arange(4, dtype=np.uint8), np.zeros(2, np.complex64),
                np.zeros((1,) * 9, np.float32), np.zeros(2, dtype=[("a", "<f4"), ("b", "<i4")]),
                np.zeros(3, ">u2"), np.zeros(2, "<m8[s]")]:
        add("unsupported", np_bytes(arr))
    add("object", b"\x93NUMPY\x01\x00" + struct.pack("<H", 54) +
        b"{'descr': '|O', 'fortran_order': False, 'shape': (2,), }".ljust(53) + b"\n" + b"\x00" * 16)

    # Hand-written header variants, each checked against np.load of the same bytes.
    data34 = np.arange(12, dtype="<f4").tobytes()
    for text in [
        "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }",
        '{"descr": "<f4", "fortran_order": False, "shape": (3, 4)}',
        "{'shape': (3, 4), 'fortran_order': False, 'descr': '<f4'}",
        "  {  'descr' :'<f4' ,\n 'fortran_order':False,\t'shape':( 3 ,4 , ) , } ",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (3L, 4L), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), } # comment",
        "{'descr': '<f4', # the type\n 'fortran_order': False, 'shape': (3,\n 4), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (+3, 4), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 0_4), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 00004), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1_2,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (0x3, 4), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (0b_11, 0O4), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (0xc_, ), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 6), }",
        "{'descr': '<f4', 'fortran_order': True, 'shape': (4, 3), }",
        "{'descr': 'f4', 'fortran_order': False, 'shape': (12,), }",
        "{'descr': '=f4', 'fortran_order': False, 'shape': (12,), }",
        "{'descr': '|f4', 'fortran_order': False, 'shape': (12,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), 'shape': (12,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), 'extra': 1}",
        "{'descr': '<f4', 'fortran_order': False}",
        "{'descr': '<f4', 'fortran_order': 0, 'shape': (3, 4), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': [3, 4], }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (12), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (-12,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4.0), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (3,, 4), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), ",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4)}}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4)] }",
        "{'descr': '<f4' 'fortran_order': False, 'shape': (3, 4), }",
        "{'descr': '<f5', 'fortran_order': False, 'shape': (3, 4), }",
        "{'descr': '<g4', 'fortran_order': False, 'shape': (3, 4), }",
        "{'descr': 3, 'fortran_order': False, 'shape': (3, 4), }",
        "{'descr': '<f4\\n', 'fortran_order': False, 'shape': (3, 4), }",
        "['descr', '<f4']",
        "",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000, 1000000), }",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 0), }",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }",
    ]:
        for version in [(1, 0), (2, 0), (3, 0)]:
            add("variant", raw_file(text, data34, version))
    # Bool bytes other than 0 and 1 (NumPy reads any non-zero byte as True).
    add("rawbool", raw_file("{'descr': '|b1', 'fortran_order': False, 'shape': (6,), }", bytes([0, 1, 2, 255, 0, 7])))

    # Broken preambles.
    good = np_bytes(np.arange(6, dtype="<i8").reshape(2, 3))
    add("badmagic", b"\x93NUMPX" + good[6:])
    add("notnpy", b"PK\x03\x04 this is a zip file, not a .npy file")
    add("version4", good[:6] + b"\x04\x00" + good[8:])
    add("version11", good[:6] + b"\x01\x01" + good[8:])
    add("hugeheader", good[:8] + struct.pack("<H", 60000) + good[10:])
    add("empty", b"")
    # Every truncation point of a few small files, and trailing bytes (NumPy ignores them).
    for arr in [np.arange(6, dtype="<i8").reshape(2, 3), np.zeros((), ">f4"), np.ones((2, 0), "|b1")]:
        whole = np_bytes(arr)
        for cut in sorted(set([0, 1, 5, 6, 7, 8, 9, 10, 11, 40, len(whole) - 65, len(whole) - 64, len(whole) - 1])):
            if 0 <= cut < len(whole):
                add("cut", whole[:cut])
        add("trailing", whole + b"extra bytes")
    # Random byte flips in valid files: ctorch must agree with NumPy (or refuse what
    # NumPy loads only when the dtype is not a ctorch one).
    for i in range(500):
        descr = rng.choice(NATIVE + SWAPPED)
        arr = random_values(rng, nprng, descr, random_shape(rng, max_dims=3, max_numel=12))
        if arr.ndim >= 2 and rng.random() < 0.3:
            arr = np.asfortranarray(arr)
        data = bytearray(np_bytes(arr, rng.choice([None, (2, 0), (3, 0)])))
        for _ in range(rng.choice([1, 1, 2, 3])):
            pos = rng.randrange(min(len(data), 128))
            data[pos] = rng.choice([rng.randrange(256), ord(rng.choice("0123456789(),'TF:{} <>|fib#_-L\n"))])
        if rng.random() < 0.2:
            data = data[:rng.randrange(len(data) + 1)]
        add("flip", bytes(data))
    return files


# ---- save cases ----

def random_view(rng, nprng, descr):
    """A random strided view (storage, element strides, offset) of a fresh storage."""
    base_shape = random_shape(rng, max_dims=rng.choice([3, 4, 6]), max_numel=300)
    base = random_values(rng, nprng, descr, base_shape)
    view = base
    r = rng.random()
    if view.ndim >= 2 and r < 0.35:
        perm = list(range(view.ndim))
        rng.shuffle(perm)
        view = view.transpose(perm)
    if view.ndim >= 1 and rng.random() < 0.5:
        index = []
        for d in range(view.ndim):
            n = view.shape[d]
            start = rng.randrange(n) if n else 0
            step = rng.choice([1, 1, 2, 3])
            index.append(slice(start, n, step))
        view = view[tuple(index)]
    if rng.random() < 0.15:  # broadcast: stride-0 dims
        target = (rng.choice([1, 2, 3]),) + view.shape
        view = np.broadcast_to(view, target)
    if base.size and rng.random() < 0.1:  # 0-d view at an offset
        k = rng.randrange(base.size)
        view = base.reshape(-1)[k:k + 1].reshape(())
    flat = base.reshape(-1)
    itemsize = base.itemsize
    if view.size == 0:
        offset, strides = 0, [0] * view.ndim
    else:
        offset = (view.__array_interface__["data"][0] - flat.__array_interface__["data"][0]) // itemsize
        strides = [s // itemsize for s in view.strides]
    return flat, view, strides, offset


def save_cases(rng, nprng, tmp):
    cases = []
    for i in range(260):
        descr = rng.choice(NATIVE)
        flat, view, strides, offset = random_view(rng, nprng, descr)
        if any(s < 0 for s in strides):
            continue
        path = os.path.join(tmp, "save_%04d.npy" % i)
        name = CT_NAMES[descr[1:]]
        line = "save %s %s" % (path, spec(name, view.shape, strides, offset, flat, BITS))
        cases.append((line, path, flat, view, strides, offset))
    return cases


def main():
    binary = sys.argv[1]
    rng = random.Random(SEED)
    nprng = np.random.default_rng(SEED)
    check = Checker("npy")
    with tempfile.TemporaryDirectory(prefix="ctorch_npy_") as tmp:
        paths = load_cases(rng, nprng, tmp)
        answers = run_c(binary, ["load " + p for p in paths])
        for path, got in zip(paths, answers):
            want = expected_load(path)
            if want is None:
                ok = got.startswith("error ") and got.endswith("buffer error\n")
                check.check(ok, "%s: NumPy refuses this file (or it is not a ctorch dtype); ctorch gave:\n%s"
                            % (os.path.basename(path), got[:2000]))
            else:
                check.equal(got, want + "buffer same\n", os.path.basename(path))

        cases = save_cases(rng, nprng, tmp)
        answers = run_c(binary, [c[0] for c in cases])
        for (line, path, flat, view, strides, offset), got in zip(cases, answers):
            label = os.path.basename(path)
            expect = np.array(view, order="C", copy=True)  # ascontiguousarray makes 0-d 1-d
            want_bytes = io.BytesIO()
            np.save(want_bytes, expect)
            with open(path, "rb") as f:
                file_bytes = f.read()
            check.check(file_bytes == want_bytes.getvalue(),
                        "%s: file differs from np.save\n--- ctorch:\n%r\n--- numpy:\n%r"
                        % (label, file_bytes[:300], want_bytes.getvalue()[:300]))
            back = np.load(path)
            same = back.dtype == expect.dtype and back.shape == expect.shape and \
                format_values(back) == format_values(expect)
            check.check(same, "%s: np.load of the ctorch file differs from the saved values" % label)
            source = torch.from_numpy(flat.copy())
            want_t = torch.as_strided(source, view.shape, strides, offset) if view.size else \
                torch.empty(view.shape, dtype=source.dtype)
            got_t = torch.from_numpy(np.load(path))
            check.check(got_t.dtype == want_t.dtype and got_t.shape == want_t.shape and
                        format_tensor_values(got_t) == format_tensor_values(want_t),
                        "%s: torch.from_numpy(np.load) differs from the saved tensor" % label)
            # ctorch's reload must match torch's view of the same file.
            name = CT_NAMES[expect.dtype.kind + str(expect.itemsize)]
            want = describe(name, list(got_t.shape), list(got_t.stride()), int(got_t.is_contiguous()),
                            format_tensor_values(got_t))
            check.equal(got, want + "buffer same\n", line[:200])
    check.finish()



if __name__ == "__main__":
    main()
