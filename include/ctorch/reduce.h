/// @file reduce.h
/// @brief Reductions (sum, mean, std, var, prod, max/min, argmax/argmin, amax/amin,
/// logsumexp, norm), softmax and log_softmax, with PyTorch's semantics and autograd.
///
/// Dims may be negative (counted from the end). Functions taking a dim list reduce all
/// dims when `dims` is NULL or `ndims` is 0. With `keepdim` reduced dims stay as size 1.
/// sum/prod of bool and integer tensors give int64; mean, std, var, norm and softmax need
/// floating input. float32/float64 sums (and means) use PyTorch's cascade summation and
/// match torch.sum bit for bit.
#ifndef CTORCH_REDUCE_H
#define CTORCH_REDUCE_H
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Sum of all elements, a 0-d tensor (SumBackward0).
CT_API ct_tensor *ct_sum(ct_tensor *t);
/// Sum over one dim (SumBackward1).
CT_API ct_tensor *ct_sum_dim(ct_tensor *t, int dim, bool keepdim);
/// Sum over several dims (SumBackward1); dims NULL / ndims 0 reduces all.
CT_API ct_tensor *ct_sum_dims(ct_tensor *t, const int *dims, int ndims, bool keepdim);

/// Mean of all elements (MeanBackward0): the sum divided by the element count.
CT_API ct_tensor *ct_mean(ct_tensor *t);
/// Mean over one dim (MeanBackward1).
CT_API ct_tensor *ct_mean_dim(ct_tensor *t, int dim, bool keepdim);
/// Mean over several dims (MeanBackward1); dims NULL / ndims 0 reduces all.
CT_API ct_tensor *ct_mean_dims(ct_tensor *t, const int *dims, int ndims, bool keepdim);

/// Unbiased standard deviation of all elements (StdBackward0). One element gives nan.
CT_API ct_tensor *ct_std(ct_tensor *t);
/// Unbiased standard deviation over one dim.
CT_API ct_tensor *ct_std_dim(ct_tensor *t, int dim, bool keepdim);
/// Standard deviation with divisor N - correction (torch.std(t, dims, correction=,
/// keepdim=)); dims NULL means dim=None (all). correction 0 is unbiased=False.
CT_API ct_tensor *ct_std_ex(ct_tensor *t, const int *dims, int ndims, int64_t correction, bool keepdim);
/// Unbiased variance of all elements (VarBackward0).
CT_API ct_tensor *ct_var(ct_tensor *t);
/// Unbiased variance over one dim.
CT_API ct_tensor *ct_var_dim(ct_tensor *t, int dim, bool keepdim);
/// Variance with divisor N - correction; dims NULL means all.
CT_API ct_tensor *ct_var_ex(ct_tensor *t, const int *dims, int ndims, int64_t correction, bool keepdim);

/// Product of all elements (ProdBackward0).
CT_API ct_tensor *ct_prod(ct_tensor *t);
/// Product over one dim (ProdBackward1).
CT_API ct_tensor *ct_prod_dim(ct_tensor *t, int dim, bool keepdim);

/// Largest element, nan if any element is nan (MaxBackward1). Errors on empty tensors.
CT_API ct_tensor *ct_max(ct_tensor *t);
/// Smallest element (MinBackward1).
CT_API ct_tensor *ct_min(ct_tensor *t);
/// torch.max(t, dim): the values (MaxBackward0); `*indices` (if not NULL) receives the
/// int64 positions of the first maximum along dim (a nan counts as the maximum).
CT_API ct_tensor *ct_max_dim(ct_tensor *t, int dim, bool keepdim, ct_tensor **indices);
/// torch.min(t, dim): values (MinBackward0) and optional indices.
CT_API ct_tensor *ct_min_dim(ct_tensor *t, int dim, bool keepdim, ct_tensor **indices);

/// Index of the first maximum of the flattened tensor (int64, 0-d); nan wins.
CT_API ct_tensor *ct_argmax(ct_tensor *t);
/// Indices of the first maximum along dim.
CT_API ct_tensor *ct_argmax_dim(ct_tensor *t, int dim, bool keepdim);
/// Index of the first minimum of the flattened tensor; nan wins.
CT_API ct_tensor *ct_argmin(ct_tensor *t);
/// Indices of the first minimum along dim.
CT_API ct_tensor *ct_argmin_dim(ct_tensor *t, int dim, bool keepdim);

/// Maximum over dims, nan propagating (AmaxBackward0: ties share the gradient).
CT_API ct_tensor *ct_amax(ct_tensor *t, const int *dims, int ndims, bool keepdim);
/// Minimum over dims (AminBackward0).
CT_API ct_tensor *ct_amin(ct_tensor *t, const int *dims, int ndims, bool keepdim);

/// log(sum(exp(t))) over dims, computed stably (LogsumexpBackward0). Integer input is
/// converted to float32.
CT_API ct_tensor *ct_logsumexp(ct_tensor *t, const int *dims, int ndims, bool keepdim);

/// p-norm of all elements, (sum |x|^p)^(1/p) (NormBackward1). p may be 0 (count of
/// non-zeros), INFINITY (max |x|) or -INFINITY (min |x|). PyTorch's default p is 2.
CT_API ct_tensor *ct_norm(ct_tensor *t, double p);
/// p-norm over dims.
CT_API ct_tensor *ct_norm_dims(ct_tensor *t, double p, const int *dims, int ndims, bool keepdim);

/// softmax along dim, exp(x - max) / sum (SoftmaxBackward0). Floating input only.
CT_API ct_tensor *ct_softmax(ct_tensor *t, int dim);
/// log_softmax along dim, (x - max) - log(sum(exp(x - max))) (LogSoftmaxBackward0).
CT_API ct_tensor *ct_log_softmax(ct_tensor *t, int dim);

#ifdef __cplusplus
}
#endif
#endif
