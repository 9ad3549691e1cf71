// The thread budget (ct_set_num_threads) and the thread pools of the libraries ctorch links.
//
// One budget bounds ctorch's OpenMP loops (kernels/parallel.h) and OpenBLAS alike. With
// OpenBLAS's OpenMP build (what CMake looks for first) both run on the one OpenMP thread
// team of the calling thread, handed from loop to product with no second pool to compete
// with. With its pthreads build the budget still bounds OpenBLAS's pool, but that pool and
// OpenMP's team each keep spinning on their cores for a while after use, so alternating
// loops and products on a busy machine wait for each other's threads.
//
// The pthreads build of OpenBLAS also starts its workers when it is loaded, and an idle
// worker spins (sched_yield) for about 0.1 s after start and after each use: a program
// training a small network, which never runs a product large enough to be split, would
// burn a second core throughout. ctorch stops them when it is loaded; OpenBLAS starts them
// again by itself the first time a product is large enough to use them.
#define _POSIX_C_SOURCE 200809L // sysconf
#include "core/threads.h"
#include "core/error_impl.h"
#include "ctorch/threads.h"
#include "kernels/parallel.h"
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#ifdef CTORCH_HAVE_CBLAS
// OpenBLAS's thread controls, weak so that another CBLAS still links (its threads are then
// its own business). openblas_get_parallel() tells the build: 1 pthreads, 2 OpenMP.
extern void openblas_set_num_threads(int n) __attribute__((weak));
extern int openblas_get_parallel(void) __attribute__((weak));
extern int blas_thread_shutdown_(void) __attribute__((weak));
#define OPENBLAS_BUILT_WITH_PTHREADS 1
#endif

// Serialises changes, so that the budget and OpenBLAS's count always end up equal.
static pthread_mutex_t change_lock = PTHREAD_MUTEX_INITIALIZER;

static void set_budget(int n) {
  pthread_mutex_lock(&change_lock);
  ct__parallel_set_threads(n);
#ifdef CTORCH_HAVE_CBLAS
  if (openblas_set_num_threads) openblas_set_num_threads(n);
#endif
  pthread_mutex_unlock(&change_lock);
}

// A positive integer from the environment, as c10::stoi reads it; 0 when unset or invalid.
static int env_threads(const char *name) {
  const char *s = getenv(name);
  if (!s) return 0;
  char *end;
  long v = strtol(s, &end, 10);
  return end != s && v > 0 && v <= INT_MAX ? (int)v : 0;
}

// PyTorch 1.13's intraop_default_num_threads(): MKL_NUM_THREADS, else OMP_NUM_THREADS, else
// std::thread::hardware_concurrency() / 2 on x86-64 (its guess at physical cores).
static int default_threads(void) {
  int n = env_threads("MKL_NUM_THREADS");
  if (!n) n = env_threads("OMP_NUM_THREADS");
  if (n) return n;
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
#if defined(__x86_64__)
  cpus /= 2;
#endif
  return cpus >= 1 ? (cpus < INT_MAX ? (int)cpus : INT_MAX) : 1;
}

void ct__threads_init(void) {
  set_budget(default_threads());
#ifdef CTORCH_HAVE_CBLAS
  if (blas_thread_shutdown_ && openblas_get_parallel &&
      openblas_get_parallel() == OPENBLAS_BUILT_WITH_PTHREADS)
    blas_thread_shutdown_();
#endif
}

ct_status ct_set_num_threads(int n) {
  if (n < 1) return ct__error(CT_ERR_ARG, "set_num_threads expects a positive integer");
  set_budget(n);
  return CT_OK;
}

int ct_get_num_threads(void) { return ct__parallel_threads(); }
