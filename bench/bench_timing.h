// Timing helpers shared by the benchmark programs.
#ifndef CTORCH_BENCH_TIMING_H
#define CTORCH_BENCH_TIMING_H
#include <stdlib.h>
#include <time.h>

/// Monotonic clock in seconds.
static inline double bench_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static inline int bench_compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/// Median of v[0..n-1] (sorts v).
static inline double bench_median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, bench_compare_doubles);
  return v[n / 2];
}
#endif
