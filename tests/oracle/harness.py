"""Shared plumbing for the live-oracle tests.

Each oracle test is a pair: oracle_<area>.c (a C program built by CMake) and
oracle_<area>.py (this driver's user). The driver generates cases (seeded, so a failure
reproduces), feeds them to the C program on stdin, runs the same cases through real
PyTorch in this process, and compares. ctest passes the C program's path as argv[1].

Protocol: the driver writes one case per line; the C program answers each case with its
output followed by a line holding only RECORD_END. Formats of a case and an answer are
the area's own.
"""
import subprocess
import sys

RECORD_END = "@@END@@"


def run_c(binary, cases, extra_args=()):
    """Runs the C program on the cases (a list of str lines); returns one str per case."""
    text = "".join(c.rstrip("\n") + "\n" for c in cases)
    proc = subprocess.run([binary, *extra_args], input=text, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"{binary} exited with status {proc.returncode}")
    out = proc.stdout.split(RECORD_END + "\n")
    if out and out[-1] == "":
        out.pop()
    if len(out) != len(cases):
        raise SystemExit(f"{binary}: {len(out)} answers for {len(cases)} cases\n{proc.stderr}")
    return out


class Checker:
    """Counts cases and failures; prints the first few failures in full."""

    def __init__(self, name, show=10):
        self.name, self.show, self.total, self.failed = name, show, 0, 0

    def check(self, ok, description):
        self.total += 1
        if not ok:
            self.failed += 1
            if self.failed <= self.show:
                print(f"FAIL [{self.name}] {description}")
        return ok

    def equal(self, got, want, case):
        return self.check(got == want, f"case {case!r}\n--- ctorch:\n{got}\n--- torch:\n{want}")

    def finish(self):
        print(f"{self.name}: {self.total - self.failed}/{self.total} cases match the oracle")
        if self.total == 0:
            print("no cases ran")
            sys.exit(1)
        sys.exit(1 if self.failed else 0)
