// Shared pieces of the normalisation ops (src/nn/norm_*.c): operand preparation and
// PyTorch's dtype checks. Their loops are the norm kernel family (kernels/norm.h).
#ifndef CTORCH_SRC_NN_NORM_INTERNAL_H
#define CTORCH_SRC_NN_NORM_INTERNAL_H
#include "autograd/node.h"
#include "kernels/norm.h"

/// The norm loops of t's device (its device was checked).
const ct_norm_kernels *ct__norm_kernels(const ct_tensor *t);
/// t itself (a new reference in the current scope) when contiguous, else a contiguous copy
/// of its values; NULL for a NULL t (an absent optional operand) or on error.
ct_tensor *ct__norm_dense(ct_tensor *t);
/// "\"<kernel>\" not implemented for '<Type>'" unless t is float32/float64.
ct_status ct__norm_check_floating(const ct_tensor *t, const char *kernel);
/// PyTorch's data_ptr<T>() check of an optional operand read as the input's dtype:
/// "expected scalar type Float but found Double".
ct_status ct__norm_check_dtype(const ct_tensor *t, ct_dtype want);
/// A new contiguous tensor of `dtype` with n values (mean, rstd, working space).
ct_tensor *ct__norm_vector(ct_dtype dtype, int64_t n);
#endif
