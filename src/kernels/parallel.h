// The thread budget: how many threads one parallel loop may use. ctorch's OpenMP loops
// and BLAS draw on the same budget (ct_set_num_threads, see core/threads.c), so the two
// never run more threads than it between them.
#ifndef CTORCH_SRC_KERNELS_PARALLEL_H
#define CTORCH_SRC_KERNELS_PARALLEL_H
#include <stdbool.h>

/// The budget (>= 1): the most threads a parallel loop started on this thread may use.
/// Also brings this thread's OpenMP default team size to the budget, which is what an
/// OpenMP loop without a num_threads clause, and an OpenMP build of OpenBLAS, size their
/// teams from: every parallel loop asks this first.
int ct__parallel_threads(void);

/// Whether a loop started on this thread may split across threads: it is not inside a
/// parallel region already and the budget is more than one thread (asking the budget also
/// sizes this thread's OpenMP team to it). Always false without OpenMP.
bool ct__parallel_may_fork(void);

/// Sets the budget (n >= 1) for every thread of the process.
void ct__parallel_set_threads(int n);

#endif
