// Load-time tuning of the thread pools of the libraries ctorch links (see threads.c).
#ifndef CTORCH_SRC_CORE_THREADS_H
#define CTORCH_SRC_CORE_THREADS_H

/// Stops OpenBLAS's idle worker threads (OpenBLAS restarts them when a product is
/// large enough to use them). Called once when the library is loaded.
void ct__threads_quiet_blas(void);

#endif
