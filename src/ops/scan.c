// cumsum, cumprod and logcumsumexp along a dim: PyTorch 1.13's dtype rules (integers and
// bool give int64, `dtype=` converts the input first), the scan kernels of the sort
// family on the contiguous input, and backward formulas written with public ops (plus
// this file's reversed scans, themselves recorded), so backward run with grad mode on
// records a graph of its own.
#include <float.h>
#include <stdlib.h>
#include "core/copy.h"
#include "core/device.h"
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "ctorch/autograd.h"
#include "ctorch/creation.h"
#include "ctorch/index.h"
#include "ctorch/ops.h"
#include "ctorch/reduce.h"
#include "ctorch/sort.h"
#include "ctorch/view.h"
#include "ops/sort_internal.h"
#include "ctorch/device.h"

typedef enum scan_kind { SCAN_SUM, SCAN_PROD, SCAN_LOGSUMEXP } scan_kind;

static const char *const scan_names[] = {"CumsumBackward0", "CumprodBackward0", "LogcumsumexpBackward0"};

// The arguments every scan node keeps.
typedef struct scan_args {
  int dim;         // wrapped
  bool reverse;    // scanned from the end (the backward's reversed scans)
  ct_dtype in_dtype;
} scan_args;

static ct_tensor *scan_run(ct_tensor *t, int d, ct_dtype dtype, scan_kind kind, bool reverse);

// The reversed scan (from the end of dim), recorded: PyTorch's flip-scan-flip.
static ct_tensor *reversed(ct_tensor *t, int d, scan_kind kind) { return scan_run(t, d, t->dtype, kind, true); }

// Whether the scan over dim d of a tensor of this geometry changes nothing (PyTorch's
// trivial cases of cumsum_backward / cumprod_backward).
static bool trivial(const ct_input_meta *in, int d) {
  return ct__numel_of(in->ndim, in->shape) <= 1 || (in->ndim && in->shape[d] == 1);
}

// CumsumBackward0: the reversed cumsum of grad (converted to the input's dtype).
static ct_status cumsum_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  const scan_args *a = ct__node_args(node, scan_args);
  ct_tensor *g = grad->dtype == a->in_dtype ? grad : ct_to_dtype(grad, a->in_dtype);
  if (trivial(&node->inputs[0], a->dim)) grad_in[0] = g;
  else grad_in[0] = g ? scan_run(g, a->dim, g->dtype, SCAN_SUM, !a->reverse) : NULL;
  return grad_in[0] ? CT_OK : ct_last_status();
}

// Gradient of cumprod where the input has zeros, PyTorch's O(n) masked formula (taken
// when grad mode is off). Per row, with z1 the first zero: before z1 reversed_cumsum(out *
// grad) / x over the elements before z1; at z1 out[z1 - 1] (1 when z1 = 0) times
// sum_{z1 <= j < z2} grad_j * prod_{z1 < i <= j} x_i; after z1 zero.
static ct_tensor *cumprod_grad_masked(ct_tensor *x, ct_tensor *out, ct_tensor *grad, int d) {
  ct_tensor *zeros_seen = ct_cumsum(ct_eq_scalar(x, 0), d);
  ct_tensor *before = ct_eq_scalar(zeros_seen, 0), *first_run = ct_eq_scalar(zeros_seen, 1);
  ct_tensor *first_zero = ct_logical_and(first_run, ct_eq_scalar(x, 0));
  ct_tensor *w = ct_masked_fill(ct_mul(out, grad), ct_logical_not(before), 0);
  ct_tensor *gin = ct_where(before, ct_div(reversed(w, d, SCAN_SUM), x), ct_zeros_like(grad));
  ct_tensor *after_z1 = ct_logical_and(first_run, ct_logical_not(first_zero));
  ct_tensor *tail = ct_sum_dim(ct_mul(ct_cumprod(ct_masked_fill(x, ct_logical_not(after_z1), 1), d),
                                      ct_masked_fill(grad, ct_logical_not(first_run), 0)),
                               d, true);
  // out[z1 - 1], z1 being the count of elements before the first zero
  ct_tensor *z1 = ct_sum_dim(before, d, true);
  ct_tensor *prefix = ct_gather(out, d, ct_relu(ct_sub(z1, ct_scalar(1, CT_INT64))));
  prefix = ct_masked_fill(prefix, ct_eq_scalar(z1, 0), 1);
  return ct_where(first_zero, ct_mul(tail, prefix), gin);
}

// Gradient of cumprod where the input has zeros, PyTorch's O(n^2) composite (taken when
// grad mode is on: differentiable again): element k gets
// sum_{j >= k} grad_j * prod_{i <= j, i != k} x_i.
static ct_tensor *cumprod_grad_with_zeros(ct_tensor *x, ct_tensor *grad, int d) {
  const int64_t n = x->shape[d];
  int64_t ones_shape[CT_MAX_DIMS];
  for (int i = 0; i < x->ndim; i++) ones_shape[i] = i == d ? 1 : x->shape[i];
  ct_tensor *ones = ct_new_ones(x, x->ndim, ones_shape, x->dtype);
  ct_tensor **cols = malloc((size_t)n * sizeof *cols);
  if (!cols) return ct__error_null(CT_ERR_MEMORY, "out of memory");
  for (int64_t k = 0; k < n; k++) {
    ct_tensor *omitted; // products of x without element k, for j = k .. n-1
    if (k == 0) {
      omitted = ct_cat((ct_tensor *[]){ones, ct_cumprod(ct_narrow(x, d, 1, n - 1), d)}, 2, d);
    } else {
      ct_tensor *until_k = ct_prod_dim(ct_narrow(x, d, 0, k), d, true);
      if (k == n - 1) {
        omitted = until_k;
      } else {
        ct_tensor *from_k1 = ct_cumprod(ct_narrow(x, d, k + 1, n - k - 1), d);
        omitted = ct_cat((ct_tensor *[]){until_k, ct_mul(until_k, from_k1)}, 2, d);
      }
    }
    cols[k] = ct_sum_dim(ct_mul(ct_narrow(grad, d, k, n - k), omitted), d, false);
    if (!cols[k]) {
      free(cols);
      return NULL;
    }
  }
  ct_tensor *grad_in = ct_stack(cols, (int)n, d);
  free(cols);
  return grad_in;
}

// CumprodBackward0: reversed_cumsum(out * grad) / x without zeros in x, else the
// composite above. Saved: input, output.
static ct_status cumprod_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  const scan_args *a = ct__node_args(node, scan_args);
  ct_tensor *x = ct__saved(node, 0), *out = ct__saved(node, 1);
  if (!x || !out) return ct_last_status();
  ct_tensor *g = grad->dtype == a->in_dtype ? grad : ct_to_dtype(grad, a->in_dtype);
  if (!g || trivial(&node->inputs[0], a->dim)) {
    grad_in[0] = g;
    return g ? CT_OK : ct_last_status();
  }
  ct_tensor *has_zero = ct_any(ct_eq_scalar(x, 0));
  double any_zero;
  if (!has_zero || ct_item(has_zero, &any_zero) != CT_OK) return ct_last_status(); // read back from x's device
  ct_tensor *gin = !any_zero ? ct_div(reversed(ct_mul(out, g), a->dim, SCAN_SUM), x)
                    : ct_is_grad_enabled()                ? cumprod_grad_with_zeros(x, g, a->dim)
                                                          : cumprod_grad_masked(x, out, g, a->dim);
  // with dtype=, out (and so gin) may be wider than x: the gradient takes x's dtype
  grad_in[0] = gin && gin->dtype != a->in_dtype ? ct_to_dtype(gin, a->in_dtype) : gin;
  return grad_in[0] ? CT_OK : ct_last_status();
}

// LogcumsumexpBackward0 (TensorFlow's formula, as PyTorch): positive and negative parts
// of grad in log space, each through the reversed logcumsumexp. Saved: input, output.
static ct_status logcumsumexp_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  const scan_args *a = ct__node_args(node, scan_args);
  ct_tensor *x = ct__saved(node, 0), *out = ct__saved(node, 1);
  if (!x || !out) return ct_last_status();
  if (grad->ndim == 0 || ct_numel(grad) == 0) {
    grad_in[0] = grad;
    return CT_OK;
  }
  ct_tensor *lowest = ct_full_like(grad, grad->dtype == CT_FLOAT32 ? -FLT_MAX : -DBL_MAX);
  ct_tensor *log_pos = ct_where(ct_gt_scalar(grad, 0), ct_log(grad), lowest);
  ct_tensor *log_neg = ct_where(ct_lt_scalar(grad, 0), ct_log(ct_neg(grad)), lowest);
  ct_tensor *parts[2] = {log_pos, log_neg};
  for (int i = 0; i < 2; i++) {
    ct_tensor *shifted = ct_sub(parts[i], out);
    parts[i] = ct_exp(ct_add(shifted ? scan_run(shifted, a->dim, shifted->dtype, SCAN_LOGSUMEXP, !a->reverse) : NULL, x));
  }
  grad_in[0] = ct_sub(parts[0], parts[1]);
  return grad_in[0] ? CT_OK : ct_last_status();
}

static const ct_backward_fn scan_backward[] = {cumsum_backward, cumprod_backward, logcumsumexp_backward};

// The scan of t along d in dtype (t converted first), recorded with the input t.
static ct_tensor *scan_run(ct_tensor *t, int d, ct_dtype dtype, scan_kind kind, bool reverse) {
  if (ct__needs_grad(1, &t) && !ct_dtype_is_floating(dtype))
    return ct__error_null(CT_ERR_RUNTIME, "only Tensors of floating point dtype can require gradients");
  const ct_sort_kernels *k = ct__sort_kernels_of(t);
  ct_scan_fn fn = (kind == SCAN_SUM ? k->cumsum : kind == SCAN_PROD ? k->cumprod : k->logcumsumexp)[dtype];
  ct_tensor *x = t->dtype == dtype && ct_is_contiguous(t) ? t : ct__copy_as(t, dtype);
  ct_tensor *out = x ? ct__alloc(dtype, t->ndim, t->shape) : NULL;
  if (!out) {
    if (x && x != t) ct__drop(x);
    return NULL;
  }
  fn(ct__data(out), ct__data(x), ct__rows_shape(t, d), reverse);
  if (x != t) ct__drop(x);
  ct_node *node;
  if (ct__record(out, scan_names[kind], scan_backward[kind], 1, &t, kind == SCAN_SUM ? 0 : 2, (ct_tensor *[]){t, out},
                 &node) != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  if (node) *ct__node_args(node, scan_args) = (scan_args){.dim = d, .reverse = reverse, .in_dtype = t->dtype};
  return out;
}

// Public entry: checks, then the scan. dtype < 0: PyTorch's default result dtype.
static ct_tensor *scan_entry(ct_tensor *t, int dim, int dtype, scan_kind kind) {
  CT_CHECK_NULL(t);
  if (ct__check_device(t) != CT_OK) return NULL;
  int d = ct__wrap_dim(dim, t->ndim, false);
  if (d < 0) return NULL;
  if (dtype >= CT_NUM_DTYPES) return ct__error_null(CT_ERR_ARG, "invalid dtype %d", dtype);
  ct_dtype out = dtype >= 0 ? (ct_dtype)dtype : ct_dtype_is_floating(t->dtype) ? t->dtype : CT_INT64;
  static const char *const kernel_names[] = {"cumsum_out_cpu", "cumprod_out_cpu", "logcumsumexp_out_cpu"};
  const ct_sort_kernels *k = ct__sort_kernels_of(t);
  ct_dtype computed = kind == SCAN_LOGSUMEXP ? t->dtype : out; // logcumsumexp's kernel sees t
  if (!(kind == SCAN_SUM ? k->cumsum : kind == SCAN_PROD ? k->cumprod : k->logcumsumexp)[computed])
    return ct__error_null(CT_ERR_ARG, "\"%s\" not implemented for '%s'", kernel_names[kind],
                          ct__scalar_type_name(computed));
  return scan_run(t, d, out, kind, false);
}

ct_tensor *ct_cumsum(ct_tensor *t, int dim) { return scan_entry(t, dim, -1, SCAN_SUM); }
ct_tensor *ct_cumsum_dtype(ct_tensor *t, int dim, ct_dtype dtype) { return scan_entry(t, dim, (int)dtype, SCAN_SUM); }
ct_tensor *ct_cumprod(ct_tensor *t, int dim) { return scan_entry(t, dim, -1, SCAN_PROD); }
ct_tensor *ct_cumprod_dtype(ct_tensor *t, int dim, ct_dtype dtype) { return scan_entry(t, dim, (int)dtype, SCAN_PROD); }
ct_tensor *ct_logcumsumexp(ct_tensor *t, int dim) { return scan_entry(t, dim, -1, SCAN_LOGSUMEXP); }
