// nn.init (torch/nn/init.py): fan and gain rules computed in double as Python does, then
// the in-place random fills of random.h, all under no-grad.
#include <ctype.h>
#include <math.h>
#include <string.h>
#include "core/copy.h"
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "ctorch/autograd.h"
#include "ctorch/init.h"
#include "ctorch/random.h"

double ct_init_calculate_gain(const char *nonlinearity, double param) {
  static const char *const unit_gain[] = {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                                          "conv_transpose2d", "conv_transpose3d", "sigmoid"};
  if (!nonlinearity) nonlinearity = "None";
  for (size_t i = 0; i < sizeof unit_gain / sizeof *unit_gain; i++)
    if (!strcmp(nonlinearity, unit_gain[i])) return 1.0;
  if (!strcmp(nonlinearity, "tanh")) return 5.0 / 3;
  if (!strcmp(nonlinearity, "relu")) return sqrt(2.0);
  if (!strcmp(nonlinearity, "leaky_relu")) {
    double slope = isnan(param) ? 0.01 : param;
    return sqrt(2.0 / (1 + pow(slope, 2)));
  }
  if (!strcmp(nonlinearity, "selu")) return 3.0 / 4;
  ct__error(CT_ERR_ARG, "Unsupported nonlinearity %s", nonlinearity);
  return NAN;
}

ct_status ct_init_calculate_fan_in_and_fan_out(const ct_tensor *t, int64_t *fan_in, int64_t *fan_out) {
  if (!t) return ct__null_tensor_status("calculate_fan_in_and_fan_out");
  int ndim = ct_dim(t);
  if (ndim < 2)
    return ct__error(CT_ERR_ARG, "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
  const int64_t *shape = ct_shape(t);
  int64_t receptive_field = 1;
  for (int i = 2; i < ndim; i++) receptive_field *= shape[i];
  if (fan_in) *fan_in = shape[1] * receptive_field;
  if (fan_out) *fan_out = shape[0] * receptive_field;
  return CT_OK;
}

// _calculate_correct_fan: mode is matched case-insensitively, as mode.lower() does.
static ct_status correct_fan(const ct_tensor *t, const char *mode, double *fan) {
  char lower[32] = "fan_in";
  if (mode) {
    size_t i = 0;
    for (; mode[i] && i + 1 < sizeof lower; i++) lower[i] = (char)tolower((unsigned char)mode[i]);
    lower[i] = '\0';
  }
  bool in = !strcmp(lower, "fan_in");
  if (!in && strcmp(lower, "fan_out"))
    return ct__error(CT_ERR_ARG, "Mode %s not supported, please use one of ['fan_in', 'fan_out']", lower);
  int64_t fan_in = 0, fan_out = 0;
  ct_status st = ct_init_calculate_fan_in_and_fan_out(t, &fan_in, &fan_out);
  *fan = (double)(in ? fan_in : fan_out);
  return st;
}

static double gain_of(const char *nonlinearity, double a) {
  return ct_init_calculate_gain(nonlinearity ? nonlinearity : "leaky_relu", a);
}

// torch.no_grad() around one fill.
static ct_tensor *no_grad_uniform(ct_tensor *t, double a, double b) {
  bool prev = ct_no_grad_enter();
  ct_tensor *r = ct_uniform_(t, a, b);
  ct_grad_mode_restore(prev);
  return r;
}
static ct_tensor *no_grad_normal(ct_tensor *t, double mean, double std) {
  bool prev = ct_no_grad_enter();
  ct_tensor *r = ct_normal_(t, mean, std);
  ct_grad_mode_restore(prev);
  return r;
}

ct_tensor *ct_init_uniform_(ct_tensor *t, double a, double b) { return no_grad_uniform(t, a, b); }
ct_tensor *ct_init_normal_(ct_tensor *t, double mean, double std) { return no_grad_normal(t, mean, std); }

ct_tensor *ct_init_constant_(ct_tensor *t, double value) {
  if (!t) return NULL;
  ct__element checked; // refused as fill_ refuses it: NaN or out of range for t's dtype
  if (ct__checked_element(value, ct_get_dtype(t), &checked) != CT_OK) return NULL;
  if (ct__fill(t, value) != CT_OK) return NULL; // a plain fill records nothing: no-grad
  ct__bump_version(t);
  return t;
}
ct_tensor *ct_init_zeros_(ct_tensor *t) { return ct_init_constant_(t, 0.0); }
ct_tensor *ct_init_ones_(ct_tensor *t) { return ct_init_constant_(t, 1.0); }

static ct_status xavier_std(const ct_tensor *t, double gain, double *std) {
  int64_t fan_in, fan_out;
  ct_status st = ct_init_calculate_fan_in_and_fan_out(t, &fan_in, &fan_out);
  if (st != CT_OK) return st;
  if (fan_in + fan_out == 0) return ct__error(CT_ERR_ARG, "float division by zero");
  *std = gain * sqrt(2.0 / (double)(fan_in + fan_out));
  return CT_OK;
}

ct_tensor *ct_init_xavier_uniform_(ct_tensor *t, double gain) {
  double std = 0.0;
  if (!t || xavier_std(t, gain, &std) != CT_OK) return NULL;
  double a = sqrt(3.0) * std;
  return no_grad_uniform(t, -a, a);
}

ct_tensor *ct_init_xavier_normal_(ct_tensor *t, double gain) {
  double std = 0.0;
  if (!t || xavier_std(t, gain, &std) != CT_OK) return NULL;
  return no_grad_normal(t, 0.0, std);
}

// gain / sqrt(fan); *skip is set for zero-element tensors, which kaiming_* leave alone.
static ct_status kaiming_std(const ct_tensor *t, double a, const char *mode, const char *nonlinearity,
                             double *std, bool *skip) {
  *skip = ct_numel(t) == 0;
  if (*skip) return CT_OK;
  double fan = 0.0;
  ct_status st = correct_fan(t, mode, &fan);
  if (st != CT_OK) return st;
  double gain = gain_of(nonlinearity, a);
  if (isnan(gain)) return ct_last_status();
  *std = gain / sqrt(fan);
  return CT_OK;
}

ct_tensor *ct_init_kaiming_uniform_(ct_tensor *t, double a, const char *mode, const char *nonlinearity) {
  double std = 0.0;
  bool skip;
  if (!t || kaiming_std(t, a, mode, nonlinearity, &std, &skip) != CT_OK) return NULL;
  if (skip) return t;
  double bound = sqrt(3.0) * std;
  return no_grad_uniform(t, -bound, bound);
}

ct_tensor *ct_init_kaiming_normal_(ct_tensor *t, double a, const char *mode, const char *nonlinearity) {
  double std = 0.0;
  bool skip;
  if (!t || kaiming_std(t, a, mode, nonlinearity, &std, &skip) != CT_OK) return NULL;
  if (skip) return t;
  return no_grad_normal(t, 0.0, std);
}

ct_status ct_init_linear_reset_(ct_tensor *weight, ct_tensor *bias) {
  if (!weight) return ct__null_tensor_status("linear reset");
  if (!ct_init_kaiming_uniform_(weight, sqrt(5.0), "fan_in", "leaky_relu")) return ct_last_status();
  if (!bias) return CT_OK;
  int64_t fan_in;
  ct_status st = ct_init_calculate_fan_in_and_fan_out(weight, &fan_in, NULL);
  if (st != CT_OK) return st;
  double bound = fan_in > 0 ? 1 / sqrt((double)fan_in) : 0.0;
  return no_grad_uniform(bias, fan_in > 0 ? -bound : 0.0, bound) ? CT_OK : ct_last_status();
}

ct_status ct_init_embedding_reset_(ct_tensor *weight, int64_t padding_idx) {
  if (!weight) return ct__null_tensor_status("embedding reset");
  int64_t rows = ct_dim(weight) > 0 ? ct_shape(weight)[0] : 0;
  bool padded = padding_idx != CT_NO_PADDING_IDX;
  if (padded && (padding_idx >= rows || padding_idx < -rows))
    return ct__error(CT_ERR_ARG, "Padding_idx must be within num_embeddings");
  if (!no_grad_normal(weight, 0.0, 1.0)) return ct_last_status();
  if (!padded) return CT_OK;
  if (padding_idx < 0) padding_idx += rows;
  // weight[padding_idx].fill_(0) through a row view.
  const int64_t *strides = ct_strides(weight);
  ct_tensor *row = ct__make_view(weight, ct_dim(weight) - 1, ct_shape(weight) + 1, strides + 1,
                                 ct_storage_offset(weight) + padding_idx * strides[0]);
  ct_status st = row ? ct__fill(row, 0.0) : ct_last_status();
  if (st == CT_OK) ct__bump_version(row);
  ct__drop(row);
  return st;
}
