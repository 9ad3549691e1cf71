// The CPU's sort, topk and kthvalue loops (kernels/sort.h): sort_tmpl.h once per dtype
// over a shared row driver, which hands each thread a scratch buffer and splits the
// rows of large inputs across threads (each row's result is the same either way).
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "kernels/cpu/dtype_rows.h"
#include "kernels/iter.h"
#include "kernels/parallel.h"
#include "kernels/sort.h"
#ifdef _OPENMP
#include <omp.h>
#endif

typedef void (*sort_row_fn)(void *scratch, int64_t o, int64_t i, const void *job);

// Runs row(scratch, o, i, job) for every row of s, each thread with scratch_bytes of its
// own scratch. False when a scratch buffer could not be allocated.
static bool ct__sort_rows(const ct_rows_shape *s, size_t scratch_bytes, sort_row_fn row, const void *job) {
  const int64_t rows = s->outer * s->inner;
  int threads = 1;
#ifdef _OPENMP
  if (rows > 1 && rows * s->n >= 2 * CT_PARALLEL_GRAIN && !omp_in_parallel()) threads = ct__parallel_threads();
#endif
  if (threads > rows) threads = (int)rows;
  bool ok = true;
#pragma omp parallel num_threads(threads) if (threads > 1) reduction(&& : ok)
  {
    void *scratch = malloc(scratch_bytes ? scratch_bytes : 1);
    ok = scratch != NULL;
#pragma omp for schedule(static) // every thread takes part, with scratch or not
    for (int64_t r = 0; r < rows; r++)
      if (scratch) row(scratch, r / s->inner, r % s->inner, job);
    free(scratch);
  }
  return ok;
}

#define T bool
#define SFX b
#define SORT_ISNAN(x) 0
#include "kernels/cpu/sort_tmpl.h"
#define T int32_t
#define SFX i32
#define SORT_ISNAN(x) 0
#define SORT_SELECT
#include "kernels/cpu/sort_tmpl.h"
#define T int64_t
#define SFX i64
#define SORT_ISNAN(x) 0
#define SORT_SELECT
#include "kernels/cpu/sort_tmpl.h"
#define T float
#define SFX f32
#define SORT_ISNAN(x) isnan(x)
#define SORT_SELECT
#include "kernels/cpu/sort_tmpl.h"
#define T double
#define SFX f64
#define SORT_ISNAN(x) isnan(x)
#define SORT_SELECT
#include "kernels/cpu/sort_tmpl.h"

static const ct_sort_fn sort_loops[CT_NUM_DTYPES] = DTYPE_ROW_ALL(sort);
static const ct_sort_fn topk_loops[CT_NUM_DTYPES] = DTYPE_ROW_NUMERIC(topk);
static const ct_sort_fn kthvalue_loops[CT_NUM_DTYPES] = DTYPE_ROW_NUMERIC(kthvalue);

extern const ct_scan_fn ct__cpu_cumsum_loops[CT_NUM_DTYPES];
extern const ct_scan_fn ct__cpu_cumprod_loops[CT_NUM_DTYPES];
extern const ct_scan_fn ct__cpu_logcumsumexp_loops[CT_NUM_DTYPES];

const ct_sort_kernels ct__cpu_sort_kernels = {
    .sort = sort_loops,
    .topk = topk_loops,
    .kthvalue = kthvalue_loops,
    .cumsum = ct__cpu_cumsum_loops,
    .cumprod = ct__cpu_cumprod_loops,
    .logcumsumexp = ct__cpu_logcumsumexp_loops,
};
