// torch.nn.utils: clip_grad_norm_, clip_grad_value_, parameters_to_vector,
// vector_to_parameters. Built from public ops, as PyTorch 1.13's Python code is.
#include <math.h>
#include <stdlib.h>
#include "core/error_impl.h"
#include "core/tensor_impl.h"
#include "ctorch.h"
#include "nn/scoped_result.h"

static bool check_list(ct_tensor *const *params, int n, const char *fn) {
  if (n < 0 || (n > 0 && !params)) return ct__error(CT_ERR_ARG, "%s: bad parameter list (n=%d)", fn, n), false;
  for (int i = 0; i < n; i++)
    if (!params[i]) return ct__error(CT_ERR_ARG, "%s: parameter %d is NULL", fn, i), false;
  return true;
}

// Per-gradient norms, then the norm of their stack (inf: max |g|, then the max of those).
static ct_tensor *total_norm_of(ct_tensor **grads, int n, double norm_type) {
  ct_tensor **norms = malloc((size_t)n * sizeof *norms);
  if (!norms) return ct__error_null(CT_ERR_MEMORY, "out of memory in clip_grad_norm_");
  bool inf = isinf(norm_type) && norm_type > 0;
  int done = 0;
  for (; done < n; done++) {
    norms[done] = inf ? ct_max(ct_abs(grads[done])) : ct_norm(grads[done], norm_type);
    if (!norms[done]) break;
  }
  ct_tensor *total = NULL;
  if (done == n) {
    if (inf) total = n == 1 ? norms[0] : ct_max(ct_stack(norms, n, 0));
    else total = ct_norm(ct_stack(norms, n, 0), norm_type);
  }
  free(norms);
  return total;
}

// clip_coef = max_norm / (total + 1e-6) in total's dtype, as PyTorch computes it:
// Tensor.__rtruediv__ is reciprocal() * max_norm; then clamp(max=1.0) (NaN stays NaN).
static double clip_coefficient(double total, double max_norm, ct_dtype dtype) {
  if (dtype == CT_FLOAT32) {
    float coef = (1.0f / ((float)total + (float)1e-6)) * (float)max_norm;
    return coef > 1.0f ? 1.0 : coef;
  }
  double coef = (1.0 / (total + 1e-6)) * max_norm;
  return coef > 1.0 ? 1.0 : coef;
}

ct_tensor *ct_clip_grad_norm_(ct_tensor *const *params, int n, double max_norm, double norm_type,
                              bool error_if_nonfinite) {
  if (!check_list(params, n, "clip_grad_norm_")) return NULL;
  ct_tensor **grads = malloc((size_t)(n ? n : 1) * sizeof *grads);
  if (!grads) return ct__error_null(CT_ERR_MEMORY, "out of memory in clip_grad_norm_");
  int count = 0;
  for (int i = 0; i < n; i++)
    if (ct_grad(params[i])) grads[count++] = ct_grad(params[i]);
  // Intermediate norms live in a local scope; only the total goes to the caller's.
  ct_scope *scope = ct_scope_open();
  bool prev = ct_no_grad_enter();
  ct_tensor *total = !scope ? NULL : count ? total_norm_of(grads, count, norm_type) : ct_scalar(0, CT_FLOAT32);
  double value = 0;
  if (total && count && ct_item(total, &value) != CT_OK) total = NULL;
  if (total && count && error_if_nonfinite && !isfinite(value)) {
    char order[32];
    ct_format_float(norm_type, order, sizeof order);
    ct__error(CT_ERR_RUNTIME,
              "The total norm of order %s for gradients from `parameters` is non-finite, so it cannot be "
              "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
              "`error_if_nonfinite=False`",
              order);
    total = NULL;
  }
  if (total && count) {
    ct_tensor *coef = ct_scalar(clip_coefficient(value, max_norm, ct_get_dtype(total)), ct_get_dtype(total));
    for (int i = 0; i < count && total; i++)
      if (!ct_mul_(grads[i], coef)) total = NULL;
  }
  ct_grad_mode_restore(prev);
  free(grads);
  return scope ? ct__nn_keep_result(scope, total) : NULL;
}

ct_status ct_clip_grad_value_(ct_tensor *const *params, int n, double clip_value) {
  if (!check_list(params, n, "clip_grad_value_")) return ct_last_status();
  bool prev = ct_no_grad_enter();
  ct_status st = CT_OK;
  for (int i = 0; i < n && st == CT_OK; i++)
    if (ct_grad(params[i]) && !ct_clamp_(ct_grad(params[i]), -clip_value, clip_value)) st = ct_last_status();
  ct_grad_mode_restore(prev);
  return st;
}

ct_tensor *ct_parameters_to_vector(ct_tensor *const *params, int n) {
  if (!check_list(params, n, "parameters_to_vector")) return NULL;
  if (n == 0) return ct__error_null(CT_ERR_ARG, "torch.cat(): expected a non-empty list of Tensors");
  ct_tensor **flat = malloc((size_t)n * sizeof *flat);
  if (!flat) return ct__error_null(CT_ERR_MEMORY, "out of memory in parameters_to_vector");
  int done = 0;
  for (; done < n; done++)
    if (!(flat[done] = ct_view(params[done], 1, (int64_t[]){-1}))) break;
  ct_tensor *vec = done == n ? ct_cat(flat, n, 0) : NULL;
  free(flat);
  return vec;
}

// PyTorch sets param.data to a view of vec (the parameter then shares vec's memory and
// takes its dtype); here the values are copied into the parameter.
ct_status ct_vector_to_parameters(ct_tensor *vec, ct_tensor *const *params, int n) {
  if (!vec) return ct_last_status() != CT_OK ? ct_last_status() : ct__error(CT_ERR_ARG, "expected torch.Tensor, but got: NoneType");
  if (!check_list(params, n, "vector_to_parameters")) return ct_last_status();
  bool prev = ct_no_grad_enter();
  ct_status st = CT_OK;
  int64_t pointer = 0;
  for (int i = 0; i < n && st == CT_OK; i++) {
    int64_t numel = ct_numel(params[i]);
    ct_tensor *piece = ct_view(ct_slice(vec, 0, pointer, pointer + numel, 1), ct_dim(params[i]), ct_shape(params[i]));
    st = piece ? ct_copy_(params[i], piece) : ct_last_status();
    pointer += numel;
  }
  ct_grad_mode_restore(prev);
  return st;
}
