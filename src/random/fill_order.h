// The order in which PyTorch's serial random kernels visit a tensor's elements, and the
// memory layout empty_like gives a *_like result. Both come from TensorIterator's dimension
// ordering: the dim with the smallest stride varies fastest.
#ifndef CTORCH_SRC_RANDOM_FILL_ORDER_H
#define CTORCH_SRC_RANDOM_FILL_ORDER_H
#include "core/layout.h"

/// empty_like(t) with preserve_format: t's strides when t is non-overlapping and dense,
/// otherwise dense strides in t's dim order. Uninitialised; registered with the scope.
ct_tensor *ct__empty_like_layout(const ct_tensor *t);
/// Error (PyTorch's message) if writing t would write one memory location twice.
ct_status ct__check_no_internal_overlap(const ct_tensor *t);
/// Copy values[0..numel-1] (a contiguous tensor of t's dtype, in draw order) into t,
/// visiting t in iteration order.
ct_status ct__scatter_in_iteration_order(ct_tensor *t, const ct_tensor *values);
#endif
