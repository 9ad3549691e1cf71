/// @file sampling.h
/// @brief Sampling from tensors of parameters: multinomial, and normal with tensor mean
/// and/or std. Bit-identical to PyTorch 1.13's CPU draws from the same generator state
/// (see random.h for generators; `_gen` variants take one, NULL meaning the default).
#ifndef CTORCH_SAMPLING_H
#define CTORCH_SAMPLING_H
#include <stdbool.h>
#include <stdint.h>
#include "ctorch/random.h"
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/// torch.multinomial(probs, n_sample, replacement): int64 indices of categories drawn
/// with the (unnormalised, non-negative) weights of each row of the 1-D or 2-D float probs;
/// the result is [n_sample] or [rows, n_sample]. Without replacement, PyTorch's
/// exponential-race draws (argmax / largest-first of probs / Exp(1)); with replacement
/// (one sample too), its cumulative-sum binary search. Without replacement, rows with fewer
/// positive weights than n_sample end in zero-weight categories in index order (PyTorch's
/// topk leaves the order of those ties unspecified).
CT_API ct_tensor *ct_multinomial(ct_tensor *probs, int64_t n_sample, bool replacement);
CT_API ct_tensor *ct_multinomial_gen(ct_tensor *probs, int64_t n_sample, bool replacement, ct_generator *gen);

/// torch.normal(mean, std) with a tensor mean and a tensor std (NormalBackward3): values
/// of the broadcast shape and mean's dtype, N(0, 1) draws scaled by std and shifted by
/// mean as PyTorch computes them. std must be >= 0 everywhere. The gradients of mean and
/// std are zero, as PyTorch defines them.
CT_API ct_tensor *ct_normal_tensor(ct_tensor *mean, ct_tensor *std);
CT_API ct_tensor *ct_normal_tensor_gen(ct_tensor *mean, ct_tensor *std, ct_generator *gen);
/// torch.normal(mean, std) with a tensor mean and a float std (NormalBackward1).
CT_API ct_tensor *ct_normal_mean_tensor(ct_tensor *mean, double std);
CT_API ct_tensor *ct_normal_mean_tensor_gen(ct_tensor *mean, double std, ct_generator *gen);
/// torch.normal(mean, std) with a float mean and a tensor std (NormalBackward2).
CT_API ct_tensor *ct_normal_std_tensor(double mean, ct_tensor *std);
CT_API ct_tensor *ct_normal_std_tensor_gen(double mean, ct_tensor *std, ct_generator *gen);

#ifdef __cplusplus
}
#endif
#endif
