"""ct_summary_writer against torch.utils.tensorboard.SummaryWriter.

The same calls go to the C writer (oracle_tensorboard.c, one call per line) and to
PyTorch's SummaryWriter; both log dirs are read back with the tensorboard package's
own event-file reader and compared event by event: directories, steps, file_version
and session log records, tags, scalar bits, every histogram bucket, image sizes and
decoded pixels, text tensors, hparams plugin data. Each record's framing and masked
CRC-32C is also checked with tensorboard's own CRC routine.

PyTorch 1.13's make_histogram calls np.greater(counts, 0, dtype=np.int32), which NumPy
1.24 rejects; the PyTorch side runs with that one call as later PyTorch writes it
(np.greater(counts, 0), the same booleans), everything else unchanged.
"""
import io
import math
import os
import re
import socket
import struct
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from harness import Checker, run_c  # noqa: E402

from PIL import Image  # noqa: E402  (a tensorboard dependency)
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader  # noqa: E402
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c  # noqa: E402
from tensorboard.plugins.hparams import plugin_data_pb2  # noqa: E402
import torch.utils.tensorboard.summary as tb_summary  # noqa: E402
from torch.utils.tensorboard import SummaryWriter  # noqa: E402


class _NumpyWithLaterGreater:
    """numpy, except greater(a, b, dtype=...) as PyTorch >= 2.0 calls it."""

    def __getattr__(self, name):
        return getattr(np, name)

    @staticmethod
    def greater(a, b, dtype=None):
        return np.greater(a, b)


tb_summary.np = _NumpyWithLaterGreater()


def hx(text):
    return text.encode("utf-8").hex() if text else "-"


def fx(v):
    return float(v).hex()


def tensor_tokens(dtype, array):
    return " ".join([dtype, str(array.ndim)] + [str(s) for s in array.shape] +
                    [fx(v) for v in array.reshape(-1).astype(np.float64)])


def make_calls(rng):
    """(C line, python callable on a SummaryWriter) pairs."""
    calls = []

    def scalar(tag, value, step):
        calls.append(("scalar %s %s %d" % (hx(tag), fx(value), step), lambda w: w.add_scalar(tag, value, step)))

    for step in range(12):
        scalar("loss/train", float(np.float32(rng.standard_normal())) * 3 + 1 / (step + 1), step)
    scalar("accuracy", 0.1, 3)
    for v in [math.nan, math.inf, -math.inf, 1e300, -0.0, 3.4e38, 1e-45]:
        scalar("special", v, 1)
    scalar("ünïcode tag ✓", 2.5, 0)
    scalar("", 1.0, 0)
    scalar("a b/c:d", -1.25, 5)

    for step in range(3):
        vals = {"sin": math.sin(step), "cos": math.cos(step), "tan": math.tan(step)}
        line = "scalars %s %d %s %d" % (hx("run/14h"), len(vals),
                                        " ".join("%s %s" % (hx(k), fx(v)) for k, v in vals.items()), step)
        calls.append((line, lambda w, vals=vals, step=step: w.add_scalars("run/14h", vals, step)))

    def hist(tag, step, array, bins=0, max_bins=0, dtype="float32"):
        line = "hist %s %d %d %d %s" % (hx(tag), step, bins, max_bins, tensor_tokens(dtype, array))
        t = torch.from_numpy(array.astype(np.float32 if dtype == "float32" else np.float64))
        calls.append((line, lambda w: w.add_histogram(tag, t, step, bins="tensorflow" if bins == 0 else bins,
                                                      max_bins=max_bins or None)))

    hist("weights", 0, rng.standard_normal(1000))
    hist("weights", 1, rng.standard_normal((10, 30)) * 0.01 + 0.5)
    hist("weights64", 2, rng.standard_normal(300) * 1e5, dtype="float64")
    hist("zeros", 0, np.zeros(17))
    hist("one", 0, np.array([3.0]))
    hist("edges", 0, np.array([1e-12, -1e-12, 1.1e-12, 0.0, 1e20, -1e20, 5.0]), dtype="float64")
    hist("uniform", 0, rng.standard_normal(500), bins=30)
    hist("uniform_const", 0, np.full(9, 2.5), bins=4)
    hist("maxbins", 0, rng.standard_normal(777), max_bins=50)
    hist("maxbins_uniform", 0, rng.standard_normal(300), bins=64, max_bins=10)
    hist("long", 3, rng.standard_normal(5000) * 4, dtype="float64")

    def text(tag, body, step):
        calls.append(("text %s %s %d" % (hx(tag), hx(body), step), lambda w: w.add_text(tag, body, step)))

    text("notes", "hello **world**", 0)
    text("notes", "zweite Zeile: äöü ✓\nmit Umbruch", 4)
    text("empty", "", 1)

    def image(tag, step, array, kind):
        dt = "uint8" if kind == "uint8" else kind
        line = "image %s %d %s %s" % (hx(tag), step, dt, tensor_tokens("float64" if kind == "uint8" else kind, array))
        t = torch.from_numpy(array.astype({"uint8": np.uint8, "float32": np.float32, "float64": np.float64}[kind]))
        calls.append((line, lambda w: w.add_image(tag, t, step)))

    image("rgb", 0, rng.random((3, 5, 7)), "float32")
    image("gray", 1, rng.random((1, 8, 8)), "float32")
    image("rgba", 2, rng.random((4, 6, 3)), "float64")
    image("bytes", 3, rng.integers(0, 256, (3, 4, 4)).astype(np.float64), "uint8")
    image("edges", 4, np.array([[[0.0, 1.0, 0.5, 0.999], [1 / 255, 2 / 255, 0.25, 0.75]]]), "float32")

    def hparams(hp, metrics, run):
        toks = []
        for k, v in hp.items():
            if isinstance(v, bool):
                toks.append("%s b %d" % (hx(k), int(v)))
            elif isinstance(v, str):
                toks.append("%s s %s" % (hx(k), hx(v)))
            else:
                toks.append("%s n %s" % (hx(k), fx(v)))
        line = "hparams %s %d %s %d %s" % (hx(run), len(hp), " ".join(toks), len(metrics),
                                          " ".join("%s %s" % (hx(k), fx(v)) for k, v in metrics.items()))
        calls.append((line, lambda w: w.add_hparams(hp, metrics, run_name=run)))

    hparams({"lr": 0.1, "batch": 16, "optimizer": "adam", "shuffle": True}, {"hparam/accuracy": 0.93,
                                                                           "hparam/loss": 0.25}, "run0")
    hparams({"lr": 1e-3, "dropout": False}, {"hparam/accuracy": 0.5}, "run1")
    hparams({"layers": 3}, {"hparam/loss": 1.5}, "")  # run named str(time.time())
    calls.append(("flush", lambda w: w.flush()))
    scalar("after_flush", 42.0, 99)
    return calls


def read_records(path):
    """The framed payloads of an event file, checking lengths and masked CRCs."""
    with open(path, "rb") as f:
        data = f.read()
    out, pos = [], 0
    while pos < len(data):
        header = data[pos:pos + 8]
        (length,) = struct.unpack("<Q", header)
        (hcrc,) = struct.unpack("<I", data[pos + 8:pos + 12])
        payload = data[pos + 12:pos + 12 + length]
        (dcrc,) = struct.unpack("<I", data[pos + 12 + length:pos + 16 + length])
        assert hcrc == masked_crc32c(header) and dcrc == masked_crc32c(payload), "bad CRC in %s" % path
        out.append(payload)
        pos += 16 + length
    return out


def load_dir(root):
    """{relative dir: [Event, ...]} for every event file under root (one per dir)."""
    runs = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            if not name.startswith("events.out.tfevents."):
                continue
            rel = os.path.relpath(dirpath, root)
            if re.fullmatch(r"\d{10}\.\d+", rel):  # add_hparams' default run: str(time.time())
                rel = "<time>"
            assert rel not in runs, "two event files in %s" % rel
            runs[rel] = (os.path.join(dirpath, name), list(EventFileLoader(os.path.join(dirpath, name)).Load()))
    return runs


def same_float(a, b):
    return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))


def compare_value(got, want):
    """'' when equal, else what differs."""
    if got.tag != want.tag:
        return "tag %r != %r" % (got.tag, want.tag)
    kind = want.WhichOneof("value")
    if got.WhichOneof("value") != kind:
        return "value kind %s != %s" % (got.WhichOneof("value"), kind)
    if got.metadata.plugin_data.plugin_name != want.metadata.plugin_data.plugin_name:
        return "plugin %s" % got.metadata.plugin_data.plugin_name
    if want.metadata.plugin_data.plugin_name == "hparams":
        g = plugin_data_pb2.HParamsPluginData.FromString(got.metadata.plugin_data.content)
        w = plugin_data_pb2.HParamsPluginData.FromString(want.metadata.plugin_data.content)
        return "" if g == w else "hparams %s != %s" % (g, w)
    if got.metadata.plugin_data.content != want.metadata.plugin_data.content:
        return "plugin content"
    if kind == "simple_value":
        return "" if same_float(got.simple_value, want.simple_value) else "%r != %r" % (got.simple_value,
                                                                                       want.simple_value)
    if kind == "histo":
        g, w = got.histo, want.histo
        if list(g.bucket_limit) != list(w.bucket_limit) or list(g.bucket) != list(w.bucket):
            return "buckets differ: %d vs %d" % (len(g.bucket), len(w.bucket))
        for field in ("min", "max", "num", "sum"):
            if not same_float(getattr(g, field), getattr(w, field)):
                return "%s %r != %r" % (field, getattr(g, field), getattr(w, field))
        # values.dot(values) is a BLAS dot, summed in an order of its own.
        if not math.isclose(g.sum_squares, w.sum_squares, rel_tol=1e-13):
            return "sum_squares %r != %r" % (g.sum_squares, w.sum_squares)
        return ""
    if kind == "image":
        g, w = got.image, want.image
        if (g.height, g.width, g.colorspace) != (w.height, w.width, w.colorspace):
            return "image size %s" % ((g.height, g.width, g.colorspace),)
        gp = np.array(Image.open(io.BytesIO(g.encoded_image_string)))
        wp = np.array(Image.open(io.BytesIO(w.encoded_image_string)))
        return "" if gp.shape == wp.shape and (gp == wp).all() else "pixels differ"
    if kind == "tensor" and want.metadata.plugin_data.plugin_name == "images":
        # The reader hands an image on as the images plugin's tensor: width, height, PNG.
        g, w = got.tensor, want.tensor
        if g.tensor_shape != w.tensor_shape or g.string_val[:2] != w.string_val[:2]:
            return "image size %s" % (list(g.string_val[:2]),)
        gp = np.array(Image.open(io.BytesIO(g.string_val[2])))
        wp = np.array(Image.open(io.BytesIO(w.string_val[2])))
        return "" if gp.shape == wp.shape and (gp == wp).all() else "pixels differ"
    if kind == "tensor":
        return "" if got.tensor == want.tensor else "tensor %s != %s" % (got.tensor, want.tensor)
    return "unexpected kind %s" % kind


def compare_events(check, rel, got, want):
    check.check(len(got) == len(want), "%s: %d events, PyTorch %d" % (rel, len(got), len(want)))
    for i, (g, w) in enumerate(zip(got, want)):
        where = "%s event %d" % (rel, i)
        check.check(g.step == w.step, "%s: step %d != %d" % (where, g.step, w.step))
        check.check(g.WhichOneof("what") == w.WhichOneof("what"), "%s: kind %s" % (where, g.WhichOneof("what")))
        check.check(g.file_version == w.file_version, "%s: file_version" % where)
        check.check(g.session_log == w.session_log, "%s: session_log" % where)
        check.check(abs(g.wall_time - w.wall_time) < 600, "%s: wall_time %r" % (where, g.wall_time))
        check.check(len(g.summary.value) == len(w.summary.value), "%s: values" % where)
        for gv, wv in zip(g.summary.value, w.summary.value):
            diff = compare_value(gv, wv)
            check.check(diff == "", "%s: %s" % (where, diff))


def main():
    binary = os.path.abspath(sys.argv[1])
    check = Checker("tensorboard")
    rng = np.random.default_rng(0)
    calls = make_calls(rng)
    with tempfile.TemporaryDirectory() as tmp:
        c_dir, py_dir = os.path.join(tmp, "c"), os.path.join(tmp, "py")
        answers = run_c(binary, [line for line, _ in calls], [c_dir])
        for (line, _), answer in zip(calls, answers):
            check.check(answer == "ok\n", "%s: %s" % (line[:80], answer.strip()))
        w = SummaryWriter(log_dir=py_dir, purge_step=7)
        for _, call in calls:
            call(w)
        w.close()

        got, want = load_dir(c_dir), load_dir(py_dir)
        check.check(sorted(got) == sorted(want), "directories %s != %s" % (sorted(got), sorted(want)))
        pattern = re.compile(r"events\.out\.tfevents\.\d{10}\.%s\.\d+\.\d+$" % re.escape(socket.gethostname()))
        for rel in sorted(set(got) & set(want)):
            path, events = got[rel]
            check.check(pattern.match(os.path.basename(path)) is not None, "file name %s" % path)
            records = read_records(path)
            check.check(len(records) == len(events), "%s: %d framed records" % (rel, len(records)))
            compare_events(check, rel, events, want[rel][1])
            # A crash mid-record: the reader still gets every whole record before it.
            with open(path, "rb") as f:
                data = f.read()
            cut = os.path.join(tmp, "events.out.tfevents.cut")
            with open(cut, "wb") as f:
                f.write(data[:len(data) - 3])
            check.check(len(list(EventFileLoader(cut).Load())) == len(events) - 1, "%s: truncated read" % rel)
    default_log_dir(check, binary)
    check.finish()


def default_log_dir(check, binary):
    """SummaryWriter(comment=...)'s runs/<%b%d_%H-%M-%S>_<host><comment>, made in the cwd."""
    import datetime
    import subprocess
    with tempfile.TemporaryDirectory() as tmp:
        stamps = [datetime.datetime.now()]
        proc = subprocess.run([binary, "--default-logdir", "_lr0.1"], cwd=tmp, capture_output=True, text=True)
        stamps.append(datetime.datetime.now())
        got = proc.stdout.strip()
        wants = {os.path.join("runs", t.strftime("%b%d_%H-%M-%S") + "_" + socket.gethostname() + "_lr0.1")
                 for t in stamps}
        check.check(proc.returncode == 0 and got in wants, "default log_dir %r, PyTorch %s" % (got, sorted(wants)))
        check.check(os.path.isdir(os.path.join(tmp, got)) and len(os.listdir(os.path.join(tmp, got))) == 1,
                    "default log_dir holds one event file")


if __name__ == "__main__":
    main()
