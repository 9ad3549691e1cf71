// Parameters, initialisation and checks shared by the recurrent modules and cells.
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "core/tensor_impl.h"
#include "ctorch/creation.h"
#include "ctorch/init.h"
#include "ctorch/scope.h"
#include "nn/module_impl.h"
#include "nn/rnn_internal.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ct_status ct__rnn_nonlinearity(const char *nonlinearity, bool quoted, ct_rnn_mode *mode) {
  if (!nonlinearity || !strcmp(nonlinearity, "tanh"))
    *mode = CT_RNN_MODE_TANH;
  else if (!strcmp(nonlinearity, "relu"))
    *mode = CT_RNN_MODE_RELU;
  else if (quoted)
    return ct__error(CT_ERR_ARG, "Unknown nonlinearity '%s'", nonlinearity);
  else
    return ct__error(CT_ERR_ARG, "Unknown nonlinearity: %s", nonlinearity);
  return CT_OK;
}

ct_status ct__rnn_add_parameters(ct_module *m, const char *suffix, int64_t gates, int64_t in, int64_t hidden,
                                 bool bias, ct_dtype dtype, ct_rnn_weights *w) {
  if (dtype != CT_FLOAT32 && dtype != CT_FLOAT64)
    return ct__error(CT_ERR_ARG, "recurrent layers support float32 and float64 parameters, not %s",
                     ct_dtype_name(dtype));
  if (hidden > INT64_MAX / 8) // the saved rows hold up to 7 * hidden values
    return ct__error(CT_ERR_ARG, "hidden_size %lld is too large", (long long)hidden);
  char name[64];
  const int64_t G = gates * hidden;
  snprintf(name, sizeof name, "weight_ih%s", suffix);
  w->w_ih = ct__module_new_parameter(m, name, 2, (int64_t[]){G, in}, dtype);
  snprintf(name, sizeof name, "weight_hh%s", suffix);
  w->w_hh = w->w_ih ? ct__module_new_parameter(m, name, 2, (int64_t[]){G, hidden}, dtype) : NULL;
  if (!w->w_hh) return ct_last_status();
  if (!bias) return CT_OK;
  snprintf(name, sizeof name, "bias_ih%s", suffix);
  w->b_ih = ct__module_new_parameter(m, name, 1, &G, dtype);
  snprintf(name, sizeof name, "bias_hh%s", suffix);
  w->b_hh = w->b_ih ? ct__module_new_parameter(m, name, 1, &G, dtype) : NULL;
  return w->b_hh ? CT_OK : ct_last_status();
}

ct_status ct__rnn_reset_parameters(ct_module *m, int64_t hidden) {
  const double stdv = hidden > 0 ? 1.0 / sqrt((double)hidden) : 0;
  int count = 0;
  ct_tensor **params = ct_module_parameters(m, &count);
  if (!params) return ct_last_status();
  ct_status st = CT_OK;
  for (int i = 0; i < count && st == CT_OK; i++)
    if (!ct_init_uniform_(params[i], -stdv, stdv)) st = ct_last_status();
  free(params);
  return st;
}

ct_status ct__rnn_check_dtype(const ct_tensor *t, ct_dtype want, bool is_input) {
  if (!t || t->dtype == want) return CT_OK;
  if (is_input) return ct__error(CT_ERR_RUNTIME, "mat1 and mat2 must have the same dtype");
  return ct__error(CT_ERR_RUNTIME, "expected scalar type %s but found %s", ct__scalar_type_name(want),
                   ct__scalar_type_name(t->dtype));
}
