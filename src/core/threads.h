// The thread budget's setup and the thread pools of the libraries ctorch links (see threads.c).
#ifndef CTORCH_SRC_CORE_THREADS_H
#define CTORCH_SRC_CORE_THREADS_H

/// Sets the default thread budget (PyTorch's rule) for ctorch's loops and BLAS, and stops
/// the idle workers of a pthreads OpenBLAS. Called once when the library is loaded.
void ct__threads_init(void);

#endif
