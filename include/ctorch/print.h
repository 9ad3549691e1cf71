/// @file print.h
/// @brief Printing tensors exactly as PyTorch's repr() does (torch/_tensor_str.py with
/// the default options: precision 4, threshold 1000, edgeitems 3, linewidth 80).
#ifndef CTORCH_PRINT_H
#define CTORCH_PRINT_H
#include <stdio.h>
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Write repr(t) into buf (NUL-terminated). Errors (CT_ERR_ARG) when cap is too small;
/// buf then holds a truncated prefix.
CT_API ct_status ct_repr(const ct_tensor *t, char *buf, size_t cap);
/// repr(t) as a malloc'ed string the caller frees with free(); NULL on error.
CT_API char *ct_repr_alloc(const ct_tensor *t);
/// Print repr(t) and a newline to stdout (PyTorch: print(repr(t))).
CT_API ct_status ct_print(const ct_tensor *t);
/// Print repr(t) and a newline to a stream.
CT_API ct_status ct_fprint(FILE *stream, const ct_tensor *t);
/// Print the shape as "torch.Size([2, 3])" and a newline to stdout.
CT_API ct_status ct_print_shape(const ct_tensor *t);

/// Python's repr() of a float ("0.5", "2.0", "1e-05"), as f"{loss}" prints a 0-d tensor.
CT_API ct_status ct_format_float(double value, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
