// F.dropout2d (ATen's feature_dropout): one Bernoulli draw per (sample, channel), the same
// mask over the channel's other dims.
#include <stdio.h>
#include "core/device.h"
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "core/tensor_impl.h"
#include "ctorch/creation.h"
#include "ctorch/norm.h"
#include "ctorch/ops.h"
#include "ctorch/print.h"
#include "ctorch/random.h"
#include "ctorch/scope.h"
#include "ctorch/device.h"

// _dropout_impl<feature_dropout=true>: the input itself when not training, for p = 0 or an
// empty input; input * 0 for p = 1; else input * noise, noise an (N, C, 1, ...) tensor of
// the input's dtype from bernoulli_(1 - p), divided by 1 - p in place.
ct_tensor *ct_dropout2d(ct_tensor *input, double p, bool training) {
  CT_CHECK_NULL(input);
  if (!(p >= 0 && p <= 1)) {
    char text[32];
    ct_format_float(p, text, sizeof text);
    return ct__error_null(CT_ERR_ARG, "dropout probability has to be between 0 and 1, but got %s", text);
  }
  if (p == 0 || !training || ct_numel(input) == 0) return ct__register(ct_retain(input));
  if (ct__check_device(input) != CT_OK) return NULL; // the mask is drawn on the input's device
  ct_scope *s = ct_scope_open();
  if (!s) return NULL;
  ct_tensor *out = NULL;
  if (p == 1) {
    out = ct_mul(input, ct_new_zeros(input, 0, NULL, input->dtype));
  } else if (input->ndim < 2) {
    ct__error(CT_ERR_RUNTIME, "Feature dropout requires at least 2 dimensions in the input");
  } else {
    int64_t shape[CT_MAX_DIMS] = {input->shape[0], input->shape[1]};
    for (int d = 2; d < input->ndim; d++) shape[d] = 1;
    ct_tensor *noise = ct_bernoulli_(ct_new_empty(input, input->ndim, shape, input->dtype), 1 - p);
    if (noise && !ct_dtype_is_floating(input->dtype))
      ct__error(CT_ERR_RUNTIME, "result type Float can't be cast to the desired output type %s",
                ct__scalar_type_name(input->dtype));
    else
      out = ct_mul(input, ct_div_scalar(noise, 1 - p));
  }
  ct_keep(out);
  ct_scope_close(s);
  return out;
}
