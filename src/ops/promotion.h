// PyTorch's type promotion (torch.result_type) and casting rules.
//
// Operands fall in three classes: tensors with dims, 0-d tensors, and wrapped numbers
// (C scalars passed as double). Within a class dtypes promote to the larger one
// (bool < int32 < int64 < float32 < float64, which is ct_dtype order). Across classes a
// 0-d tensor or a scalar only counts when it is of a higher category (bool < integer <
// floating) than everything with dims: it raises the category, not the width.
#ifndef CTORCH_SRC_OPS_PROMOTION_H
#define CTORCH_SRC_OPS_PROMOTION_H
#include "core/tensor_impl.h"

/// Accumulates operands for a result-type computation: start from CT__PROMOTION_INIT.
typedef struct ct__promotion {
  int dim, zero, wrapped; // promoted dtype of each class, or -1 when the class is empty
} ct__promotion;

#define CT__PROMOTION_INIT {-1, -1, -1}

void ct__promotion_add_tensor(ct__promotion *p, const ct_tensor *t);
void ct__promotion_add_scalar(ct__promotion *p, double s, bool python_float);
ct_dtype ct__promotion_result(const ct__promotion *p);

/// promote_types for two dtypes of the same class.
static inline ct_dtype ct__promote_types(ct_dtype a, ct_dtype b) { return a > b ? a : b; }
/// True for integral values within int64.
bool ct__scalar_is_integral(double s);
/// dtype of a wrapped scalar: float32 for a Python float (`python_float`, the operands of
/// the public *_scalar ops), else int64 when integral (clamp bounds, fill values).
ct_dtype ct__scalar_dtype(double s, bool python_float);
/// Result type of a binary op on a tensor and a tensor / a scalar.
ct_dtype ct__result_type_tt(const ct_tensor *a, const ct_tensor *b);
ct_dtype ct__result_type_ts(const ct_tensor *a, double s, bool python_float);
/// torch.can_cast: no floating -> integral/bool, no non-bool -> bool.
bool ct__can_cast(ct_dtype from, ct_dtype to);
static inline bool ct__is_integral(ct_dtype d) { return d == CT_INT32 || d == CT_INT64; }

#endif
