/// @file init.h
/// @brief nn.init: parameter initialisation schemes, with PyTorch's fan and gain rules.
///
/// Every function fills `t` in place under no-grad (so it works on parameters that require
/// grad), draws from the default generator exactly as torch.nn.init does, and returns `t`
/// (NULL on error, with PyTorch's message). Nonlinearity and mode names are PyTorch's
/// strings; NULL selects PyTorch's default.
///
/// ```c
/// ct_manual_seed(0);
/// ct_tensor *w = ct_empty(CT_SHAPE(2, 4), CT_FLOAT32), *b = ct_empty(CT_SHAPE(2), CT_FLOAT32);
/// ct_init_linear_reset_(w, b);   // the numbers of torch.nn.Linear(4, 2) after manual_seed(0)
/// ```
#ifndef CTORCH_INIT_H
#define CTORCH_INIT_H
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/// padding_idx value meaning "no padding row" for ct_init_embedding_reset_.
#define CT_NO_PADDING_IDX INT64_MIN

/// nn.init.calculate_gain(nonlinearity, param): 1 for linear/conv*/sigmoid, 5/3 for tanh,
/// sqrt(2) for relu, sqrt(2/(1+slope^2)) for leaky_relu (param = slope; NAN means None, i.e.
/// 0.01), 3/4 for selu. Returns NAN with "Unsupported nonlinearity <name>" otherwise.
CT_API double ct_init_calculate_gain(const char *nonlinearity, double param);
/// _calculate_fan_in_and_fan_out: fan_in = size(1) * receptive field, fan_out = size(0) *
/// receptive field (product of dims 2..). Errors for tensors with fewer than 2 dims.
CT_API ct_status ct_init_calculate_fan_in_and_fan_out(const ct_tensor *t, int64_t *fan_in, int64_t *fan_out);

/// nn.init.uniform_(t, a, b).
CT_API ct_tensor *ct_init_uniform_(ct_tensor *t, double a, double b);
/// nn.init.normal_(t, mean, std).
CT_API ct_tensor *ct_init_normal_(ct_tensor *t, double mean, double std);
/// nn.init.constant_(t, value).
CT_API ct_tensor *ct_init_constant_(ct_tensor *t, double value);
/// nn.init.zeros_(t).
CT_API ct_tensor *ct_init_zeros_(ct_tensor *t);
/// nn.init.ones_(t).
CT_API ct_tensor *ct_init_ones_(ct_tensor *t);
/// nn.init.xavier_uniform_(t, gain): U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)).
CT_API ct_tensor *ct_init_xavier_uniform_(ct_tensor *t, double gain);
/// nn.init.xavier_normal_(t, gain): N(0, gain * sqrt(2 / (fan_in + fan_out))).
CT_API ct_tensor *ct_init_xavier_normal_(ct_tensor *t, double gain);
/// nn.init.kaiming_uniform_(t, a, mode, nonlinearity): U(-b, b), b = sqrt(3) * gain / sqrt(fan).
/// mode "fan_in" (NULL) or "fan_out"; nonlinearity NULL means "leaky_relu" (with slope a).
/// Zero-element tensors are left alone.
CT_API ct_tensor *ct_init_kaiming_uniform_(ct_tensor *t, double a, const char *mode, const char *nonlinearity);
/// nn.init.kaiming_normal_(t, a, mode, nonlinearity): N(0, gain / sqrt(fan)).
CT_API ct_tensor *ct_init_kaiming_normal_(ct_tensor *t, double a, const char *mode, const char *nonlinearity);

/// nn.Linear.reset_parameters: kaiming_uniform_(weight, a=sqrt(5)), then (when bias is not
/// NULL) bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (0 when fan_in is 0). weight is [out, in].
/// Returns CT_OK or an error status.
CT_API ct_status ct_init_linear_reset_(ct_tensor *weight, ct_tensor *bias);
/// nn.Embedding.reset_parameters: normal_(weight), then zero row padding_idx (negative
/// values count from the end, as nn.Embedding normalises them; CT_NO_PADDING_IDX: none).
/// weight is [num_embeddings, embedding_dim].
CT_API ct_status ct_init_embedding_reset_(ct_tensor *weight, int64_t padding_idx);

#ifdef __cplusplus
}
#endif
#endif
