// The thread budget (see parallel.h). One value for the whole process; OpenMP keeps its
// default team size per thread, so each thread adopts the budget the first time it asks
// after a change.
#include "kernels/parallel.h"
#include <stdatomic.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static atomic_int budget = 1;
static atomic_uint generation = 1; // bumped by every change

#ifdef _OPENMP
static _Thread_local unsigned adopted; // the generation this thread's OpenMP default follows

int ct__parallel_threads(void) {
  // The generation is read first: a thread that sees a new one also sees its budget.
  unsigned g = atomic_load_explicit(&generation, memory_order_acquire);
  int n = atomic_load_explicit(&budget, memory_order_relaxed);
  if (adopted != g) {
    omp_set_num_threads(n);
    adopted = g;
  }
  return n;
}
#else
int ct__parallel_threads(void) { return atomic_load_explicit(&budget, memory_order_relaxed); }
#endif

bool ct__parallel_may_fork(void) {
#ifdef _OPENMP
  return !omp_in_parallel() && ct__parallel_threads() > 1;
#else
  return false;
#endif
}

void ct__parallel_set_threads(int n) {
  atomic_store_explicit(&budget, n, memory_order_relaxed);
  atomic_fetch_add_explicit(&generation, 1, memory_order_release);
}
