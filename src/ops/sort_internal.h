// Shared by the sort and scan ops (src/ops/sort.c, scan.c, unique.c).
#ifndef CTORCH_SRC_OPS_SORT_INTERNAL_H
#define CTORCH_SRC_OPS_SORT_INTERNAL_H
#include "autograd/node.h"
#include "kernels/sort.h"

/// t (contiguous) seen as [outer, n, inner] around dim d (a 0-d t is one row of one).
ct_rows_shape ct__rows_shape(const ct_tensor *t, int d);
/// The sort kernel family of t's device (the op has checked the device).
const ct_sort_kernels *ct__sort_kernels_of(const ct_tensor *t);

#endif
