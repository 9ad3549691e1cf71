#!/bin/sh
# make bench: each workload timed in ctorch and in PyTorch in the same invocation.
# Prints `<workload> ctorch=<seconds> <peer>=<seconds> speedup=<peer/ctorch>` per line.
set -eu
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
# One thread by default on both sides; the _2t workloads raise it to 2 through the
# libraries' own calls (ct_set_num_threads; torch.set_num_threads and OpenBLAS's).
# OpenMP threads wait passively on both sides: with libgomp's default spinning, a 2-thread
# run on a machine whose cores other processes keep busy measures their load rather than
# the library (docs/DESIGN.md, "Threads"). One-thread runs start no OpenMP threads.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OMP_WAIT_POLICY=passive
ours=$(mktemp)
theirs=$(mktemp)
trap 'rm -f "$ours" "$theirs"' EXIT
"$build/bench/bench_workloads" > "$ours"
/usr/bin/python3 "$here/bench_torch.py" "$here/../tests/examples" > "$theirs"
while read -r name secs; do
  peer=$(awk -v n="$name" '$1 == n {print $2}' "$theirs")
  [ -n "$peer" ] && awk -v n="$name" -v c="$secs" -v p="$peer" \
    'BEGIN { printf "%s ctorch=%.9f pytorch=%.9f speedup=%.2f\n", n, c, p, p / c }'
done < "$ours"
# sgemm_1024 prints its own line (OpenBLAS is its peer); skipped when not built.
if [ -x "$build/bench/bench_sgemm" ]; then "$build/bench/bench_sgemm"; fi
# ddp_allreduce_25mb prints its own line (a plain MPI_Allreduce is its peer), on 2 ranks;
# skipped when ctorch was built without MPI.
if [ -x "$build/bench/bench_ddp_allreduce" ] && command -v mpirun >/dev/null; then
  OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --oversubscribe -np 2 "$build/bench/bench_ddp_allreduce"
fi
# The CUDA workloads print their own lines (ctorch on all CPU cores is their peer, and
# sgemm 4096 against the GPU's float32 peak); they say why on stderr and print nothing
# without a usable GPU, and are not built without the CUDA backend.
if [ -x "$build/bench/bench_cuda" ]; then "$build/bench/bench_cuda"; fi
