/// @file linalg.h
/// @brief Matrix products: matmul, mm, bmm, mv, dot, outer, addmm, linear.
///
/// All of them follow PyTorch 1.13's CPU semantics: the same shape rules, the same error
/// messages, and the same autograd graph (grad_fn names and structure), so printing a
/// result's grad_fn shows what PyTorch shows. Both operands must have the same dtype
/// (float32, float64, int32 or int64; bool errors as in PyTorch). float32/float64
/// products go through the same BLAS calls PyTorch makes (OpenBLAS when ctorch was built
/// with it), so results usually match PyTorch bit for bit.
#ifndef CTORCH_LINALG_H
#define CTORCH_LINALG_H
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/// torch.matmul(a, b) / `a @ b`: 1-D@1-D is dot, 2-D@1-D is mv, 1-D@2-D and 2-D@2-D are
/// mm (a 1-D operand gets a temporary dim), and anything with 3 or more dims is a batched
/// product whose batch dims broadcast. Errors when either operand is 0-D ("both arguments
/// to matmul need to be at least 1D, but they are 0D and 2D").
CT_API ct_tensor *ct_matmul(ct_tensor *a, ct_tensor *b);
/// torch.mm: (n×m) @ (m×p) → n×p (MmBackward0). Errors like PyTorch on shape mismatch
/// ("mat1 and mat2 shapes cannot be multiplied (4x3 and 2x2)").
CT_API ct_tensor *ct_mm(ct_tensor *a, ct_tensor *b);
/// torch.bmm: (b×n×m) @ (b×m×p) → b×n×p, no broadcasting (BmmBackward0).
CT_API ct_tensor *ct_bmm(ct_tensor *a, ct_tensor *b);
/// torch.mv: (n×m) @ (m) → n (MvBackward0).
CT_API ct_tensor *ct_mv(ct_tensor *mat, ct_tensor *vec);
/// torch.dot: inner product of two 1-D tensors of equal size, a 0-D result (DotBackward0).
CT_API ct_tensor *ct_dot(ct_tensor *a, ct_tensor *b);
/// torch.outer: a[i] * b[j] for 1-D a and b (computed as a.reshape(-1, 1) * b, so the
/// dtypes promote and grad_fn is MulBackward0, as in PyTorch).
CT_API ct_tensor *ct_outer(ct_tensor *a, ct_tensor *b);
/// torch.addmm(bias, a, b, beta=beta, alpha=alpha) = beta * bias + alpha * (a @ b), with
/// bias broadcast to the n×p result (AddmmBackward0). beta == 0 ignores bias's values
/// (NaNs do not propagate), as in PyTorch.
CT_API ct_tensor *ct_addmm(ct_tensor *bias, ct_tensor *a, ct_tensor *b, double beta, double alpha);
/// torch.nn.functional.linear: input @ weight^T + bias. `bias` may be NULL (no bias).
/// input is (*, in_features), weight (out_features, in_features), bias (out_features).
/// Like PyTorch, a 2-D input with bias is one addmm (AddmmBackward0), a contiguous 3-D
/// input with bias is flattened into one addmm (ViewBackward0 ← AddmmBackward0), other
/// inputs use matmul followed by an in-place bias add (AddBackward0).
CT_API ct_tensor *ct_linear(ct_tensor *input, ct_tensor *weight, ct_tensor *bias);

#ifdef __cplusplus
}
#endif
#endif
