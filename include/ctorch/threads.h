/// @file threads.h
/// @brief The thread budget: how many threads one operation may use
/// (torch.set_num_threads / torch.get_num_threads).
///
/// ctorch's parallel loops (large elementwise ops, reductions, copies, optimizer updates)
/// and its matrix products (OpenBLAS) share one budget, so together they never run more
/// threads than it. The budget is the process's: every thread's operations follow it.
/// Results do not depend on it: every operation gives the same bits on any number of
/// threads.
///
/// ```c
/// ct_set_num_threads(2);          // torch.set_num_threads(2)
/// int n = ct_get_num_threads();   // 2
/// ```
#ifndef CTORCH_THREADS_H
#define CTORCH_THREADS_H
#include "ctorch/error.h"
#include "ctorch/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Let each operation use up to `n` threads (torch.set_num_threads(n)), BLAS included.
/// `n` < 1 fails with CT_ERR_ARG ("set_num_threads expects a positive integer") and
/// leaves the budget as it was. Call it while no other thread is running ctorch
/// operations: OpenBLAS resizes its buffers when its thread count changes.
CT_API ct_status ct_set_num_threads(int n);

/// The thread budget (torch.get_num_threads()). Until ct_set_num_threads() is called it is
/// PyTorch 1.13's default: MKL_NUM_THREADS, else OMP_NUM_THREADS (the first that is a
/// positive integer), else half the online CPUs (at least 1).
CT_API int ct_get_num_threads(void);

#ifdef __cplusplus
}
#endif
#endif
