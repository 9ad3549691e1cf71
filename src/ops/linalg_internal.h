// Shared plumbing of the matrix-product ops (src/ops/linalg_*.c, matmul.c).
#ifndef CTORCH_SRC_OPS_LINALG_INTERNAL_H
#define CTORCH_SRC_OPS_LINALG_INTERNAL_H
#include "autograd/node.h"
#include "kernels/blas.h"

/// The matrix-product kernels of t's device.
const ct_blas_kernels *ct__blas_of(const ct_tensor *t);
/// Records PyTorch's dispatch errors for a product computed in `expected`'s dtype:
/// '"<kernel>" not implemented for 'Bool'' when the kernel is not `supported`, or "expected scalar type
/// Float but found Double" when `other` differs. Returns CT_OK when the product can run.
ct_status ct__check_product_dtypes(bool supported, const char *kernel, ct_dtype expected, ct_dtype other);

/// C = alpha * A @ B + beta * C with `fn` (a gemm or bmm entry) on 2-D operands, or on
/// 3-D operands as a batch over dim 0. Shapes and dtypes must already agree.
void ct__gemm_run(void (*fn)(const ct_gemm_args *), const ct_operand *c, const ct_operand *a, const ct_operand *b,
                  double alpha, double beta);
/// New (rows(a) × cols(b)) tensor = alpha * a @ b (2-D, same dtype), no checks, no autograd.
ct_tensor *ct__mm_alpha(const ct_operand *a, const ct_operand *b, double alpha);
/// Detached 2-D transposed view (or batch-transposed, dims 1 and 2, for 3-D).
ct_tensor *ct__mT_view(const ct_tensor *t);
/// New tensor: outer product x[i] * y[j] of two 1-D tensors, each element one rounded
/// product (PyTorch's ger), as a (len(x) × len(y)) matrix. No autograd.
ct_tensor *ct__outer_nograd(const ct_tensor *x, const ct_tensor *y);

/// Gives `t`, a contiguous tensor this op just created and nobody else references, the
/// contiguous geometry `shape` in place, first recording `name` with t as input so the
/// node's backward reshapes the gradient back. This is PyTorch's squeeze_ (name
/// "SqueezeBackward3") and _unsafe_view ("UnsafeViewBackward0") of a fresh result,
/// without allocating a second tensor. Returns t, or NULL (t dropped) on error.
ct_tensor *ct__reshape_fresh(ct_tensor *t, int ndim, const int64_t *shape, const char *name);

#endif
