// sgemm_1024: a 1024×1024 @ 1024×1024 float32 product through ct_mm, against OpenBLAS's
// cblas_sgemm called directly on the same data, one thread each (bench/run.sh sets
// OMP_NUM_THREADS=1 and OPENBLAS_NUM_THREADS=1). Prints
//   sgemm_1024 ctorch=<seconds> openblas=<seconds> speedup=<openblas/ctorch>
// with the median of several runs. CTORCH_GEMM=fallback times ctorch's portable GEMM.
#define _POSIX_C_SOURCE 200809L
#include <ctorch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "bench_timing.h"
#ifdef CTORCH_HAVE_CBLAS
#include <cblas.h>
#endif

enum { N = 1024, RUNS = 9 };

int main(void) {
  float *a = malloc(sizeof(float) * N * N), *b = malloc(sizeof(float) * N * N);
  float *c = malloc(sizeof(float) * N * N);
  if (!a || !b || !c) return 1;
  unsigned s = 12345;
  for (int i = 0; i < N * N; i++) {
    s = s * 1103515245u + 12345u;
    a[i] = (float)((s >> 9) & 0xffff) / 65536.0f - 0.5f;
    s = s * 1103515245u + 12345u;
    b[i] = (float)((s >> 9) & 0xffff) / 65536.0f - 0.5f;
  }
  ct_tensor *ta = ct_from_blob(a, CT_FLOAT32, 2, (int64_t[]){N, N}, NULL, NULL, NULL);
  ct_tensor *tb = ct_from_blob(b, CT_FLOAT32, 2, (int64_t[]){N, N}, NULL, NULL, NULL);

  double ours[RUNS];
  ct_tensor *result = NULL;
  for (int r = -1; r < RUNS; r++) { // one warm-up run
    if (result) ct_scope_release(result); // no scope is open: give the root scope's product back
    double t0 = bench_now();
    result = ct_mm(ta, tb);
    if (r >= 0) ours[r] = bench_now() - t0;
    if (!result) {
      fprintf(stderr, "bench_sgemm: %s\n", ct_last_error());
      return 1;
    }
  }
  const double ctorch_s = bench_median(ours, RUNS);

#ifdef CTORCH_HAVE_CBLAS
  double theirs[RUNS];
  for (int r = -1; r < RUNS; r++) {
    double t0 = bench_now();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0f, a, N, b, N, 0.0f, c, N);
    if (r >= 0) theirs[r] = bench_now() - t0;
  }
  const double openblas_s = bench_median(theirs, RUNS);
  // Guard against timing a wrong result: both must agree to float32 rounding.
  const float *ours_c = ct_data_ptr(result);
  double worst = 0;
  for (int i = 0; i < N * N; i++)
    worst = fmax(worst, fabs((double)ours_c[i] - (double)c[i]));
  if (worst > 1e-3) {
    fprintf(stderr, "bench_sgemm: ctorch and OpenBLAS differ by %g\n", worst);
    return 1;
  }
  printf("sgemm_1024 ctorch=%.6f openblas=%.6f speedup=%.2f\n", ctorch_s, openblas_s, openblas_s / ctorch_s);
#else
  printf("sgemm_1024 ctorch=%.6f openblas=n/a (built without CBLAS)\n", ctorch_s);
#endif
  ct_scope_release(result);
  ct_scope_release(ta);
  ct_scope_release(tb);
  free(a);
  free(b);
  free(c);
  return 0;
}
