#!/bin/sh
# Bounded fuzzing of ctorch's file parsers (`make fuzz`).
#   sh tests/fuzz/run.sh --deps          installs clang and libFuzzer (Debian) when missing
#   sh tests/fuzz/run.sh <build dir>     runs every fuzz_* target built in <build dir>/fuzz
# Each target runs for an equal share of FUZZ_SECONDS (default 60 in total), seeded with
# the committed corpus tests/fuzz/corpus/<area>/ (valid files, read only; new inputs go to
# a scratch directory). A crash, leak or timeout stops the run with a non-zero status and
# leaves the input as <build dir>/fuzz/<target>-crash-* (replay: <target> <that file>).
# Once its cause is fixed, an input that failed is committed to the target's seed corpus
# as regress_<what>.<ext>, so every later run replays it first.
set -eu
here=$(cd "$(dirname "$0")" && pwd)

have_libfuzzer() {
  command -v clang >/dev/null 2>&1 || return 1
  probe=$(mktemp -d)
  printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' > "$probe/p.c"
  ok=0
  clang -fsanitize=fuzzer "$probe/p.c" -o "$probe/p" >/dev/null 2>&1 || ok=1
  rm -rf "$probe"
  return $ok
}

if [ "${1:-}" = "--deps" ]; then
  have_libfuzzer && exit 0
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  echo "installing clang and libFuzzer (clang libclang-rt-dev)" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends clang libclang-rt-dev >/dev/null
  exit 0
fi

build=${1:?usage: run.sh <build dir> | --deps}
total=${FUZZ_SECONDS:-60}
targets=$(find "$build/fuzz" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x 2>/dev/null | sort)
if [ -z "$targets" ]; then
  echo "no fuzz targets in $build/fuzz: configure with -DCMAKE_C_COMPILER=clang -DCTORCH_FUZZ=ON" \
       "(libFuzzer: sh tests/fuzz/run.sh --deps)" >&2
  exit 1
fi
count=$(echo "$targets" | wc -l)
share=$((total / count))
[ "$share" -ge 1 ] || share=1

for bin in $targets; do
  name=$(basename "$bin")
  seeds="$here/corpus/${name#fuzz_}"
  scratch=$(mktemp -d)
  echo "fuzz: $name for ${share}s (seeds: $seeds)"
  status=0
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
    "$bin" -max_total_time="$share" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$build/fuzz/$name-" "$scratch" "$seeds" 2>"$scratch.log" || status=$?
  grep -E '^(#[0-9]+ *DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$scratch.log" || true
  if [ "$status" -ne 0 ]; then
    tail -n 60 "$scratch.log" >&2
    echo "fuzz: $name FAILED (status $status); inputs: $build/fuzz/$name-*" >&2
    rm -rf "$scratch" "$scratch.log"
    exit 1
  fi
  rm -rf "$scratch" "$scratch.log"
done
echo "fuzz: all targets ran ${total}s without a failure"
