"""safetensors interchange (C side: oracle_safetensors.c).

The safetensors package is not in Debian, so files come from a small writer that follows
the format's specification (an 8-byte little-endian header length, a JSON header of
{name: {"dtype", "shape", "data_offsets"}} and an optional "__metadata__" map of strings,
then the data), and ctorch's files are checked by a reader that applies the
specification's rules (header start, offsets that tile the data, sizes that match).

Load: every ctorch dtype, 0-d, empty and 8-dim tensors, NaN payloads, metadata, headers
padded or not (unaligned data: the copy path), entries listed out of data order. ctorch's
tensors must equal the written ones bit for bit, in data order, with the metadata.
Invalid files (each header rule broken, truncations, byte flips) must fail with a message
naming the file and the problem.

Save: ctorch saves each loaded file back, and views it makes (transposed, stepped, 0-d,
empty, bool); the spec reader must accept the file, find the tensors' values, the
metadata, a header padded to 8 bytes, each tensor aligned to its element size.
"""
import json
import os
import random
import struct
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
from harness import Checker, run_c  # noqa: E402
from value_dump import dump  # noqa: E402

SEED = 20261208
ST = {torch.bool: "BOOL", torch.int32: "I32", torch.int64: "I64", torch.float32: "F32", torch.float64: "F64",
      torch.float16: "F16", torch.bfloat16: "BF16", torch.uint8: "U8", torch.int8: "I8", torch.int16: "I16"}
FROM_ST = {v: k for k, v in ST.items()}


def spec_bytes(tensors, metadata=None, pad=True, order=None):
    """A file as the specification lays it out; order: the header's key order (data in dict order)."""
    header, blobs, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    entries = {}
    for name, t in tensors.items():
        b = t.contiguous().numpy().tobytes() if t.dtype != torch.bfloat16 else bytes(2 * t.numel())
        entries[name] = {"dtype": ST[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    for name in (order or list(entries)):
        header[name] = entries[name]
    text = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def raw_file(header_text, data=b"", length=None):
    h = header_text.encode() if isinstance(header_text, str) else header_text
    return struct.pack("<Q", len(h) if length is None else length) + h + data


def spec_read(data):
    """The specification's reading of a file: (tensors in data order, metadata), or raises."""
    n = struct.unpack("<Q", data[:8])[0]
    assert n <= 100_000_000 and 8 + n <= len(data), "header length"
    text = data[8:8 + n].decode()
    assert text.startswith("{"), "header start"
    header = json.loads(text)
    meta = header.pop("__metadata__", None)
    buf, pos, out = data[8 + n:], 0, {}
    for name, e in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
        assert set(e) == {"dtype", "shape", "data_offsets"}, "fields"
        b, end = e["data_offsets"]
        assert b == pos and end >= b, "offsets"
        dtype = FROM_ST[e["dtype"]]
        numel = 1
        for s in e["shape"]:
            numel *= s
        size = torch.empty((), dtype=dtype).element_size()
        assert numel * size == end - b, "size"
        assert (8 + n + b) % size == 0, "alignment"
        t = torch.frombuffer(bytearray(buf[b:end]), dtype=dtype) if numel else torch.empty(0, dtype=dtype)
        out[name] = t.reshape(e["shape"])
        pos = end
    assert pos == len(buf), "trailing data"
    return out, meta


def random_tensor(rng, dtype, shape):
    t = (torch.randn(shape) * 100).to(dtype) if dtype != torch.bool else torch.rand(shape) < 0.5
    if dtype == torch.float32 and t.numel():
        t.view(-1).view(torch.int32)[0] = 0x7fc00bad  # a NaN payload
    return t


def good_files(rng):
    dtypes = [torch.bool, torch.int32, torch.int64, torch.float32, torch.float64]
    shapes = [(), (0,), (5,), (2, 3), (3, 0, 2), (1, 2, 1, 2, 1, 2, 1, 2)]
    files = []
    for dtype in dtypes:
        files.append((f"{dtype} shapes", {f"t{i}": random_tensor(rng, dtype, s) for i, s in enumerate(shapes)}, None, True))
    mixed = {"w": random_tensor(rng, torch.float32, (4, 3)), "b": random_tensor(rng, torch.float64, (3,)),
             "mask": random_tensor(rng, torch.bool, (7,)), "idx": random_tensor(rng, torch.int64, (2, 2)),
             "n": random_tensor(rng, torch.int32, (3,))}
    files.append(("mixed with metadata", mixed, {"format": "pt", "note": "caf\u00e9 \"quoted\""}, True))
    files.append(("mixed unpadded (unaligned: copies)", mixed, None, False))
    files.append(("empty file", {}, None, True))
    files.append(("metadata only", {}, {"k": "v"}, True))
    return files


def bad_files():
    """(name, bytes, phrase in the message)."""
    t = {"a": torch.arange(6, dtype=torch.float32)}
    ok = spec_bytes(t)
    entry = '"a":{"dtype":"F32","shape":[6],"data_offsets":[0,24]}'
    data = bytes(24)
    return [
        ("too short", b"\x01\x00", "too short"),
        ("header length past the end", raw_file("{}", length=1000), "goes past the end"),
        ("header length above the limit", raw_file("{}", length=100_000_001), "above the limit"),
        ("not JSON", raw_file("{" + entry, data), "not valid JSON"),
        ("does not start with {", raw_file(" {" + entry + "}", data), "does not start with '{'"),
        ("text after the object", raw_file("{" + entry + "}x", data), "text after its JSON object"),
        ("not UTF-8", raw_file(b'{"\xff":1}'), "not UTF-8"),
        ("unknown dtype", raw_file("{" + entry.replace("F32", "F33") + "}", data), "unknown dtype 'F33'"),
        ("unsupported dtype", spec_bytes({"h": torch.ones(2, dtype=torch.float16)}), "unsupported dtype F16"),
        ("shape and size disagree", raw_file("{" + entry.replace("[6]", "[7]") + "}", data), "need 28 bytes"),
        ("offsets outside", raw_file("{" + entry.replace("[0,24]", "[0,48]") + "}", data), "go past the data"),
        ("offsets backwards", raw_file("{" + entry.replace("[0,24]", "[24,0]") + "}", data), "end before"),
        ("a gap", raw_file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
                           '"b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}}', bytes(20)), "leave a gap"),
        ("an overlap", raw_file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
                                '"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}', bytes(12)), "overlap"),
        ("trailing data", ok + b"\0" * 8, "the file holds 32"),
        ("missing field", raw_file('{"a":{"dtype":"F32","shape":[6]}}', data), "missing field 'data_offsets'"),
        ("unknown field", raw_file("{" + entry[:-1] + ',"x":1}}', data), "unknown field 'x'"),
        ("negative size", raw_file("{" + entry.replace("[6]", "[-6]") + "}", data), "non-negative"),
        ("fractional offset", raw_file("{" + entry.replace("[0,24]", "[0,24.5]") + "}", data), "data_offsets must be"),
        ("too many dims", raw_file('{"a":{"dtype":"F32","shape":[1,1,1,1,1,1,1,1,1],"data_offsets":[0,4]}}', bytes(4)),
         "9 dimensions"),
        ("duplicate names", raw_file("{" + entry + "," + entry.replace("[0,24]", "[24,48]") + "}", bytes(48)),
         "appears twice"),
        ("metadata not strings", raw_file('{"__metadata__":{"k":1}}'), "is not a string"),
        ("metadata not an object", raw_file('{"__metadata__":[]}'), "__metadata__ is not an object"),
        ("entry not an object", raw_file('{"a":3}'), "is not an object"),
        ("shape not a list", raw_file("{" + entry.replace("[6]", "6") + "}", data), "shape is not a list"),
        ("huge shape", raw_file('{"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}}',
                                bytes(8)), "need more than"),
        ("deep JSON", raw_file("{" + '"a":' * 1 + "[" * 5000 + "]" * 5000 + "}"), "not valid JSON"),
    ]


def main():
    rng = random.Random(SEED)
    torch.manual_seed(SEED)
    checker = Checker("oracle_safetensors")
    cases, expect = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, tensors, meta, pad) in enumerate(good_files(rng)):
            path = os.path.join(tmp, f"good_{i}.safetensors")
            order = sorted(tensors, reverse=True)  # the header lists entries out of data order
            with open(path, "wb") as f:
                f.write(spec_bytes(tensors, meta, pad, order))
            want = "ok" + dump(tensors) + " | meta" + dump(meta or {}) + "\nbuffer same\n"
            cases.append(f"load {path}")
            expect.append(("load", name, want))
            back = os.path.join(tmp, f"back_{i}.safetensors")
            cases.append(f"roundtrip {path} {back}")
            expect.append(("saved", name, (back, tensors, meta or {})))
        for i, (name, data, phrase) in enumerate(bad_files()):
            path = os.path.join(tmp, f"bad_{i}.safetensors")
            with open(path, "wb") as f:
                f.write(data)
            cases.append(f"load {path}")
            expect.append(("bad", name, (path, phrase)))
        good = spec_bytes({"w": torch.randn(3, 2), "i": torch.arange(4)}, {"a": "b"})
        for cut in sorted(set(rng.randrange(len(good)) for _ in range(40))):
            path = os.path.join(tmp, f"cut_{cut}.safetensors")
            with open(path, "wb") as f:
                f.write(good[:cut])
            cases.append(f"load {path}")
            expect.append(("bad", f"truncated at {cut}", (path, "")))
        for i in range(40):
            b = bytearray(good)
            for _ in range(rng.randint(1, 3)):
                b[rng.randrange(len(b))] = rng.randrange(256)
            path = os.path.join(tmp, f"flip_{i}.safetensors")
            with open(path, "wb") as f:
                f.write(bytes(b))
            cases.append(f"load {path}")
            expect.append(("flip", f"byte flips {i}", (path, bytes(b))))
        path = os.path.join(tmp, "views.safetensors")
        cases.append(f"views {path}")
        grid = torch.arange(12, dtype=torch.float32).reshape(3, 4)
        views = {"transposed": grid.t(), "stepped": torch.arange(10)[1:10:3], "scalar": torch.tensor(2.5, dtype=torch.float64),
                 "empty": torch.zeros(0, 3, dtype=torch.int32), "mask": torch.arange(5)[0:5:2].bool()}
        expect.append(("saved", "ctorch views", (path, views, {"made_by": "ctorch"})))

        answers = run_c(sys.argv[1], cases)
        for (kind, name, want), got in zip(expect, answers):
            if kind == "load":
                checker.equal(got, want, name)
            elif kind == "saved":
                path, tensors, meta = want
                if not checker.check(got == "saved\n", f"{name}: {got}"):
                    continue
                data = open(path, "rb").read()
                try:
                    back, back_meta = spec_read(data)
                except Exception as e:  # noqa: BLE001
                    checker.check(False, f"{name}: the spec reader refuses ctorch's file: {e!r}")
                    continue
                checker.check(struct.unpack("<Q", data[:8])[0] % 8 == 0, f"{name}: header not padded to 8")
                by_value = {k: v.clone(memory_format=torch.contiguous_format) for k, v in sorted(tensors.items())}
                checker.equal(dump(dict(sorted(back.items()))), dump(by_value), f"saved {name}")
                checker.equal(back_meta or {}, meta, f"metadata {name}")
            elif kind == "bad":
                path, phrase = want
                first = got.split("\n")[0]
                checker.check(first.startswith(f"error cannot load safetensors file '{path}': ") and phrase in first
                              and got.endswith("buffer same\n"), f"{name}: expected {phrase!r}, got {got!r}")
            else:  # a flipped file: ctorch loads exactly when the spec reader does
                path, data = want
                try:
                    spec_read(data)
                    spec_ok = True
                except Exception:  # noqa: BLE001
                    spec_ok = False
                first = got.split("\n")[0]
                checker.check(got.endswith("buffer same\n") and (first.startswith("ok") or first.startswith("error cannot load")),
                              f"{name}: {got!r}")
                if first.startswith("ok") and not spec_ok:
                    checker.check(False, f"{name}: ctorch loads a file the specification refuses: {got!r}")
    checker.finish()


if __name__ == "__main__":
    main()
