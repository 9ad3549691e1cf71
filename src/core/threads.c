// Thread pools of the libraries ctorch links.
//
// The pthreads build of OpenBLAS starts its worker threads when it is loaded, and an
// idle worker spins (sched_yield) for about 0.1 s after start and after each use. A
// program training a small network never runs a product large enough to be split, yet
// a second core burns for the whole run (35 ms of CPU in the 1000-epoch word-window
// demo, which itself needs 35 ms). ctorch stops the workers when it is loaded; OpenBLAS
// starts them again by itself the first time a product is large enough to use them
// (exec_blas_async re-initialises its server), with unchanged results.
#include "core/threads.h"

#ifdef CTORCH_HAVE_CBLAS
// Exported by OpenBLAS's pthreads server (its fork handler uses it); weak, so builds
// against an OpenMP or serial OpenBLAS, which lack it, still link.
extern int blas_thread_shutdown_(void) __attribute__((weak));
#endif

void ct__threads_quiet_blas(void) {
#ifdef CTORCH_HAVE_CBLAS
  if (blas_thread_shutdown_) blas_thread_shutdown_();
#endif
}
