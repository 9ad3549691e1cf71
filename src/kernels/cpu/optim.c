// The CPU optimizer kernel family (kernels/optim.h): optim_tmpl.h and optim_more_tmpl.h
// once per floating dtype. Elements are independent, so very large parameters are split across OpenMP
// threads without changing any result.
#include "kernels/optim.h"
#include "kernels/cpu/dtype_rows.h"
#include "kernels/optim_steps.h"
#include "kernels/parallel.h"
#include <math.h>

#define CHUNK 16384
// Parameters below this many elements update on the calling thread: their vectorised
// update is shorter than what a parallel region costs (waking the threads, and a barrier
// that waits for any thread the OS has descheduled on a busy machine).
#define PARALLEL_MIN ((int64_t)1 << 20)

#define INLINE static inline __attribute__((always_inline))

/// Runs range(lo, hi, args) over [0, n): directly for small n (no OpenMP region to enter),
/// else over CHUNK-sized pieces shared by the threads.
INLINE void for_chunks(int64_t n, void (*range)(int64_t lo, int64_t hi, const void *args), const void *args) {
  if (n < PARALLEL_MIN || ct__parallel_threads() < 2) {
    range(0, n, args);
    return;
  }
  const int64_t chunks = (n + CHUNK - 1) / CHUNK;
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < chunks; c++) {
    const int64_t lo = c * CHUNK, hi = lo + CHUNK < n ? lo + CHUNK : n;
    range(lo, hi, args);
  }
}

// The CPU loops over the shared per-element steps, per dtype.
#define T float
#define SFX f32
#include "kernels/cpu/optim_more_tmpl.h"
#include "kernels/cpu/optim_tmpl.h"
#undef T
#undef SFX
#define T double
#define SFX f64
#include "kernels/cpu/optim_more_tmpl.h"
#include "kernels/cpu/optim_tmpl.h"
#undef T
#undef SFX

const ct_optim_kernels ct__cpu_optim_kernels = {
    .sgd = DTYPE_ROW_FLOAT(sgd),
    .adam = DTYPE_ROW_FLOAT(adam),
    .rmsprop = DTYPE_ROW_FLOAT(rmsprop),
    .adagrad = DTYPE_ROW_FLOAT(adagrad),
    .adamax = DTYPE_ROW_FLOAT(adamax),
    .nadam = DTYPE_ROW_FLOAT(nadam),
    .radam = DTYPE_ROW_FLOAT(radam),
};
