// DDP's bucket average as one collective (internal to src/distributed; the MPI backend and
// the stub each define it).
#ifndef CTORCH_SRC_DISTRIBUTED_SCALED_SUM_H
#define CTORCH_SRC_DISTRIBUTED_SCALED_SUM_H
#include "ctorch/distributed.h"

/// In place and asynchronous: t becomes the sum over the group's ranks of each rank's t
/// times `scale` (multiplied in t's floating dtype first, as ct_mul_scalar_ does: PyTorch
/// 1.13's DDP scales every gradient by 1 / world before the all-reduce). The same bits as
/// ct_mul_scalar_ then an all_reduce SUM, without a separate pass over t for large buffers.
ct_work *ct__dist_scaled_sum_async(ct_tensor *t, double scale, ct_process_group *group);
#endif
