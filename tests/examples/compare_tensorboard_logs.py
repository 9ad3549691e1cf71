"""The examples' --logdir runs, read back with the tensorboard package's EventAccumulator.

word_window: one "loss" scalar per epoch, equal (float32) to the printed losses.
digits_cnn: "loss/train" and "accuracy/test" per epoch equal to the printed lines, a
"conv1.weight" histogram per epoch over PyTorch's default bins (72 weights), and the first
four test images, pixel for pixel what PyTorch's summary.image makes of the same tensors.
char_lm: "loss/train" every step and "loss/val" at step = steps equal to the printed lines,
the sampled words as the "samples" text (a line each), and add_hparams' run (steps, seed,
lr, batch_size; the metric "hparam/loss_val" = the validation loss).
Also the option errors: an empty --logdir (exit 2 with the usage line), a log dir that
cannot be created (exit 1).

Usage: compare_tensorboard_logs.py <dir with the example binaries>
"""
import io
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import plugin_data_pb2

sys.path.insert(0, os.path.dirname(__file__))
from compare_digits_cnn import default_data_path, load_digits  # noqa: E402
import torch.utils.tensorboard.summary as tb_summary  # noqa: E402

results = []


def check(ok, label):
    print(("ok   " if ok else "FAIL ") + label)
    results.append(ok)


def run(args):
    return subprocess.run(args, capture_output=True, text=True, timeout=600)


def accumulate(logdir):
    ea = EventAccumulator(logdir, size_guidance={"scalars": 0, "images": 0, "histograms": 0, "tensors": 0})
    ea.Reload()
    return ea


def printed(stdout, field):
    """{epoch: value} of 'epoch <n> ... <field> <value>' lines."""
    out = {}
    for line in stdout.splitlines():
        words = line.split()
        if words and words[0] == "epoch" and field in words:
            out[int(words[1])] = float(words[words.index(field) + 1])
    return out


def same_scalars(events, values, decimals=6):
    """Every printed epoch's value equals the logged float32 to the printed decimals."""
    logged = {e.step: e.value for e in events}
    half_unit = 0.5 * 10.0 ** -decimals
    return all(abs(logged[k] - v) <= half_unit + 1e-6 * abs(v) for k, v in values.items()) and len(values) > 0


def word_window(bindir, tmp):
    logdir = os.path.join(tmp, "ww")
    proc = run([os.path.join(bindir, "word_window"), "--epochs", "250", "--logdir", logdir])
    check(proc.returncode == 0, "word_window --logdir: exit %d %s" % (proc.returncode, proc.stderr.strip()))
    ea = accumulate(logdir)
    check(ea.Tags()["scalars"] == ["loss"], "word_window: tags %s" % ea.Tags()["scalars"])
    events = ea.Scalars("loss")
    check([e.step for e in events] == list(range(250)), "word_window: one loss per epoch, steps 0-249")
    check(same_scalars(events, printed(proc.stdout, "loss")), "word_window: logged losses equal the printed ones")
    proc = run([os.path.join(bindir, "word_window"), "--logdir", ""])
    check(proc.returncode == 2 and "usage: word_window" in proc.stderr, "word_window --logdir '': exit 2 + usage")
    proc = run([os.path.join(bindir, "word_window"), "--epochs", "1", "--logdir", "/proc/self/no/such"])
    check(proc.returncode == 1 and "cannot create directory" in proc.stderr, "word_window: uncreatable log dir")


def digits(bindir, tmp):
    if not os.path.exists(default_data_path()):
        check(False, "digits_cnn: the digits data is missing (sh scripts/install-deps.sh)")
        return
    logdir = os.path.join(tmp, "digits")
    proc = run([os.path.join(bindir, "digits_cnn"), "--epochs", "3", "--logdir", logdir])
    check(proc.returncode == 0, "digits_cnn --logdir: exit %d %s" % (proc.returncode, proc.stderr.strip()))
    ea = accumulate(logdir)
    tags = ea.Tags()
    check(sorted(tags["scalars"]) == ["accuracy/test", "loss/train"], "digits_cnn: scalar tags")
    check(same_scalars(ea.Scalars("loss/train"), printed(proc.stdout, "loss")), "digits_cnn: losses")
    check(same_scalars(ea.Scalars("accuracy/test"), printed(proc.stdout, "test_acc"), 4), "digits_cnn: accuracies")
    hists = ea.Histograms("conv1.weight")
    check([h.step for h in hists] == [0, 1, 2], "digits_cnn: a histogram per epoch")
    default_bins = set(_default_bins())
    for h in hists:
        v = h.histogram_value
        check(v.num == 72 and sum(v.bucket) == 72 and v.min <= v.max and set(v.bucket_limit) <= default_bins,
              "digits_cnn: conv1.weight histogram at step %d: 72 weights in PyTorch's default bins" % h.step)
    _, _, test_images, _ = load_digits(default_data_path())
    check(tags["images"] == ["test_images/%d" % i for i in range(4)], "digits_cnn: image tags")
    for i in range(4):
        got = ea.Images("test_images/%d" % i)[0]
        want = tb_summary.image("x", test_images[i], dataformats="CHW").value[0].image
        same = (got.width, got.height) == (want.width, want.height) and np.array_equal(
            np.array(Image.open(io.BytesIO(got.encoded_image_string))),
            np.array(Image.open(io.BytesIO(want.encoded_image_string))))
        check(same, "digits_cnn: test image %d is PyTorch's image summary pixel for pixel" % i)
    proc = run([os.path.join(bindir, "digits_cnn"), "--logdir"])
    check(proc.returncode == 2 and "usage: digits_cnn" in proc.stderr, "digits_cnn --logdir without a value: exit 2")


def char_lm_printed(stdout):
    """({step: train loss}, val loss, [sampled words]) of char_lm's lines."""
    train, val, samples = {}, None, []
    for line in stdout.splitlines():
        words = line.split()
        if val is not None:
            samples.append(line)
        elif len(words) == 4 and words[0] == "step" and words[2] == "train_loss":
            train[int(words[1])] = float(words[3])
        elif len(words) == 2 and words[0] == "val_loss":
            val = float(words[1])
    return train, val, samples


def char_lm(bindir, tmp):
    if not os.path.exists("/usr/share/dict/words"):
        check(False, "char_lm: /usr/share/dict/words is missing (apt-get install wamerican)")
        return
    binary = os.path.join(bindir, "char_lm")
    logdir = os.path.join(tmp, "char_lm")
    steps, seed, lr, batch_size = 101, 2, 0.002, 32  # prints the losses of steps 0 and 100
    proc = run([binary, "--steps", str(steps), "--seed", str(seed), "--lr", str(lr), "--batch-size",
                str(batch_size), "--sample", "3", "--logdir", logdir])
    check(proc.returncode == 0, "char_lm --logdir: exit %d %s" % (proc.returncode, proc.stderr.strip()))
    train, val, samples = char_lm_printed(proc.stdout)
    ea = accumulate(logdir)
    tags = ea.Tags()
    check(sorted(tags["scalars"]) == ["loss/train", "loss/val"], "char_lm: scalar tags %s" % tags["scalars"])
    events = ea.Scalars("loss/train")
    check([e.step for e in events] == list(range(steps)), "char_lm: a train loss every step, steps 0-%d" % (steps - 1))
    check(sorted(train) == [0, 100] and same_scalars(events, train),
          "char_lm: logged train losses equal the printed ones (steps 0, 100)")
    val_events = ea.Scalars("loss/val")
    check([e.step for e in val_events] == [steps] and same_scalars(val_events, {steps: val}),
          "char_lm: loss/val at step %d equals the printed val_loss" % steps)
    texts = ea.Tensors("samples/text_summary") if "samples/text_summary" in tags["tensors"] else []
    text = texts[0].tensor_proto.string_val[0].decode() if len(texts) == 1 else None
    check(len(samples) == 3 and text is not None and [w.strip() for w in text.split("\n")] == samples
          and texts[0].step == steps, "char_lm: the samples text holds the printed words %s: %r" % (samples, text))
    check(ea.SummaryMetadata("samples/text_summary").plugin_data.plugin_name == "text", "char_lm: text plugin")
    runs = [d for d in os.listdir(logdir) if os.path.isdir(os.path.join(logdir, d))]
    check(len(runs) == 1, "char_lm: one add_hparams run directory: %s" % runs)
    if len(runs) != 1:
        return
    hp = accumulate(os.path.join(logdir, runs[0]))
    start = plugin_data_pb2.HParamsPluginData.FromString(
        hp.SummaryMetadata("_hparams_/session_start_info").plugin_data.content).session_start_info
    logged = {k: v.number_value for k, v in start.hparams.items()}
    check(logged == {"steps": steps, "seed": seed, "lr": lr, "batch_size": batch_size},
          "char_lm: hparams %s" % logged)
    experiment = plugin_data_pb2.HParamsPluginData.FromString(
        hp.SummaryMetadata("_hparams_/experiment").plugin_data.content).experiment
    check([m.name.tag for m in experiment.metric_infos] == ["hparam/loss_val"], "char_lm: the hparams metric")
    check(same_scalars(hp.Scalars("hparam/loss_val"), {0: val}), "char_lm: hparam/loss_val equals the printed val_loss")
    proc = run([binary, "--logdir", ""])
    check(proc.returncode == 2 and "usage: char_lm" in proc.stderr, "char_lm --logdir '': exit 2 + usage")
    proc = run([binary, "--steps", "1", "--logdir", "/proc/self/no/such"])
    check(proc.returncode == 1 and "cannot create directory" in proc.stderr and not proc.stdout,
          "char_lm: uncreatable log dir: exit 1 before training")


def _default_bins():
    """SummaryWriter's default histogram bins, as its __init__ builds them."""
    v, buckets = 1e-12, []
    while v < 1e20:
        buckets.append(v)
        v *= 1.1
    return [-b for b in buckets[::-1]] + [0] + buckets


def main():
    bindir = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        word_window(bindir, tmp)
        digits(bindir, tmp)
        char_lm(bindir, tmp)
    print("%d passed, %d failed" % (sum(results), len(results) - sum(results)))
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
