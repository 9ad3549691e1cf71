// nll_loss (NllLossBackward0 / NllLoss2DBackward0), PyTorch 1.13's CPU frames: every input
// is seen as (N, C, M) (M = 1 for 1-D/2-D inputs, the product of the spatial dims
// otherwise); reduced losses are summed with the frame's own 8-level cascade so they
// match PyTorch bit for bit. With label smoothing (cross_entropy) the same pass also
// accumulates the smoothing term.
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "core/device.h"
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "ctorch/scope.h"
#include "ctorch/view.h"
#include "nn/loss_internal.h"

enum { SAVED_TARGET, SAVED_WEIGHT, SAVED_LOG_PROBS };

// What the node keeps besides its saved tensors: the frame, and the forward's total weight.
typedef struct nll_node_args {
  ct_reduction reduction;
  int64_t n, c, m;
  int64_t ignore_index;
  double total_weight, smoothing;
} nll_node_args;

typedef struct nll_geometry {
  int64_t n, c, m;
  ct_reduction reduction;  // 1-D input with 'none' behaves as 'sum' (0-d result), as PyTorch
  int out_ndim;            // shape of the 'none' result as computed
  int64_t out_shape[CT_MAX_DIMS];
  int view_ndim;           // > 0: the 'none' result is viewed to view_shape (ViewBackward0)
  int64_t view_shape[CT_MAX_DIMS];
  const char *node_name;
} nll_geometry;

static void shape_list(const ct_tensor *t, int from, char *buf, size_t cap) {
  ct__shape_to_str(t->ndim - from, t->shape + from, buf, cap);
}

static ct_status size_mismatch(const ct_tensor *input, const ct_tensor *target, const char *tail) {
  char a[256], b[256];
  shape_list(input, 0, a, sizeof a);
  shape_list(target, 0, b, sizeof b);
  return ct__error(CT_ERR_RUNTIME, "size mismatch (got input: %s%s, target: %s%s", a, *tail ? "" : " ", b, tail);
}

// PyTorch's nll_loss_nd: shape checks in its order, then the (N, C, M) view.
static ct_status geometry(const ct_tensor *input, const ct_tensor *target, ct_reduction reduction,
                          nll_geometry *g) {
  int d = input->ndim;
  if (d < 1) return ct__error(CT_ERR_ARG, "Expected 1 or more dimensions (got %d)", d);
  if (d != 1 && (target->ndim == 0 || input->shape[0] != target->shape[0]))
    return ct__error(CT_ERR_ARG, "Expected input batch_size (%lld) to match target batch_size (%lld).",
                     (long long)input->shape[0], (long long)(target->ndim ? target->shape[0] : 0));
  memset(g, 0, sizeof *g);
  g->reduction = reduction;
  g->node_name = "NllLossBackward0";
  if (d <= 2) {
    if (target->ndim > 1) return ct__error(CT_ERR_RUNTIME, "0D or 1D target tensor expected, multi-target not supported");
    if (d == 1 && target->ndim != 0 && input->shape[0] != target->shape[0]) return size_mismatch(input, target, ")");
    g->n = d == 1 ? 1 : input->shape[0];
    g->c = input->shape[d - 1];
    g->m = 1;
    if (d == 1) {
      if (reduction == CT_REDUCTION_NONE) g->reduction = CT_REDUCTION_SUM;
    } else {
      g->out_ndim = 1;
      g->out_shape[0] = g->n;
    }
    return CT_OK;
  }
  g->node_name = "NllLoss2DBackward0";
  g->n = input->shape[0];
  g->c = input->shape[1];
  g->m = ct__numel_of(d - 2, input->shape + 2);
  if (d == 4) {
    if (target->ndim != 3)
      return ct__error(CT_ERR_RUNTIME,
                       "only batches of spatial targets supported (3D tensors) but got targets of dimension: %d",
                       target->ndim);
    if (target->shape[1] != input->shape[2] || target->shape[2] != input->shape[3])
      return size_mismatch(input, target, "");
    g->out_ndim = 3;
    memcpy(g->out_shape, target->shape, 3 * sizeof(int64_t));
    return CT_OK;
  }
  // 3-D or more than 4 dims: target must be (N, d1, ...); PyTorch runs nll_loss2d on
  // (N, C, 1, M) and views the 'none' result back.
  if (target->ndim != d - 1 || memcmp(target->shape + 1, input->shape + 2, (size_t)(d - 2) * sizeof(int64_t))) {
    char want[256], got[256];
    int64_t out_size[CT_MAX_DIMS];
    out_size[0] = input->shape[0];
    memcpy(out_size + 1, input->shape + 2, (size_t)(d - 2) * sizeof(int64_t));
    ct__shape_to_str(d - 1, out_size, want, sizeof want);
    shape_list(target, 0, got, sizeof got);
    return ct__error(CT_ERR_RUNTIME, "Expected target size %s, got %s", want, got);
  }
  g->out_ndim = 3;
  g->out_shape[0] = g->n;
  g->out_shape[1] = 1;
  g->out_shape[2] = g->m;
  g->view_ndim = d - 1;
  memcpy(g->view_shape, target->shape, (size_t)(d - 1) * sizeof(int64_t));
  return CT_OK;
}

static ct_status check_weight(const ct_tensor *input, const ct_tensor *weight, int64_t classes) {
  if (!weight) return CT_OK;
  if (weight->dtype != input->dtype)
    return ct__error(CT_ERR_RUNTIME, "expected scalar type %s but found %s",
                     ct__scalar_type_name(input->dtype), ct__scalar_type_name(weight->dtype));
  if (weight->ndim == 1 && weight->shape[0] == classes) return CT_OK;
  if (input->ndim > 2) return ct__error(CT_ERR_RUNTIME, "weight tensor should be defined either for all or no classes");
  char s[256];
  ct__shape_to_str(weight->ndim, weight->shape, s, sizeof s);
  return ct__error(CT_ERR_RUNTIME,
                   "weight tensor should be defined either for all %lld classes or no classes but got weight "
                   "tensor of shape: %s",
                   (long long)classes, s);
}

// ---- kernels ----

typedef struct nll_args {
  const void *x;          // log-probabilities (N, C, M)
  const int64_t *target;  // (N, M)
  const void *w;          // (C) or NULL
  int64_t n, c, m, ignore;
  ct_reduction reduction;
  double smoothing;       // > 0: cross_entropy's label smoothing
} nll_args;

#define CASCADE_LEVELS 8

static int64_t ceil_log2(int64_t x) {
  if (x <= 2) return 1;
  return 64 - __builtin_clzll((unsigned long long)(x - 1));
}

// Forward: writes the 'none' losses to out[N*M], or the reduced loss to out[0]; sets the
// total weight (the 'mean' denominator). Returns -1, or the index of an out-of-range target.
// The reduced sums follow PyTorch's nll_loss frames: a partial sum per level, folded
// upwards whenever the low bits of the element index are all zero.
#define DEFINE_NLL_FORWARD(T, SUFFIX)                                                          \
  static int64_t nll_forward_##SUFFIX(const nll_args *a, T *out, double *total_weight) {      \
    const T *x = a->x, *w = a->w;                                                              \
    const int64_t count = a->n * a->m;                                                         \
    const bool none = a->reduction == CT_REDUCTION_NONE, smooth = a->smoothing > 0;           \
    int64_t p = ceil_log2(count) / CASCADE_LEVELS;                                             \
    if (p < 4) p = 4;                                                                          \
    const int64_t mask = ((int64_t)1 << p) - 1;                                                \
    T loss_acc[CASCADE_LEVELS] = {0}, weight_acc[CASCADE_LEVELS] = {0}, smooth_acc = 0;        \
    int64_t ignored = 0;                                                                       \
    for (int64_t i = 0; i < count; i++) {                                                      \
      const int64_t b = a->m == 1 ? i : i / a->m, pos = a->m == 1 ? 0 : i % a->m;               \
      const int64_t t = a->target[i];                                                          \
      const T *row = x + b * a->c * a->m + pos;  /* row[k * m] = class k */                    \
      if (t == a->ignore) {                                                                    \
        ignored++;                                                                             \
        if (none) out[i] = 0;                                                                  \
        continue;                                                                              \
      }                                                                                        \
      if (t < 0 || t >= a->c) return i;                                                        \
      const T wt = w ? w[t] : 1;                                                               \
      T smooth_i = 0;                                                                          \
      if (smooth) {                                                                            \
        for (int64_t k = 0; k < a->c; k++) smooth_i -= w ? row[k * a->m] * w[k] : row[k * a->m]; \
        smooth_acc += smooth_i;                                                                \
      }                                                                                        \
      if (none) {                                                                              \
        out[i] = -row[t * a->m] * wt;                                                          \
        if (smooth) out[i] = (T)(1 - a->smoothing) * out[i] + smooth_i * (T)(a->smoothing / (double)a->c); \
        continue;                                                                              \
      }                                                                                        \
      if (w) {                                                                                 \
        loss_acc[0] -= row[t * a->m] * wt;                                                     \
        weight_acc[0] += wt;                                                                   \
      } else {                                                                                 \
        loss_acc[0] -= row[t * a->m];                                                          \
      }                                                                                        \
      for (int j = 0; j + 1 < CASCADE_LEVELS; j++) {                                           \
        if (i & (mask << (j * p))) break;                                                      \
        loss_acc[j + 1] += loss_acc[j];                                                        \
        weight_acc[j + 1] += weight_acc[j];                                                    \
        loss_acc[j] = 0;                                                                       \
        weight_acc[j] = 0;                                                                     \
      }                                                                                        \
    }                                                                                          \
    T loss = 0, total = 0;                                                                     \
    for (int j = 0; j < CASCADE_LEVELS; j++) {                                                 \
      loss += loss_acc[j];                                                                     \
      total += weight_acc[j];                                                                  \
    }                                                                                          \
    if (!w) total = (T)(count - ignored);                                                      \
    *total_weight = total;                                                                     \
    if (none) return -1;                                                                       \
    if (count == 0 && a->reduction == CT_REDUCTION_MEAN) { /* PyTorch fills a positive nan */  \
      out[0] = NAN;                                                                            \
      return -1;                                                                               \
    }                                                                                          \
    if (a->reduction == CT_REDUCTION_MEAN) {                                                   \
      loss /= total;                                                                           \
      smooth_acc /= total;                                                                     \
    }                                                                                          \
    if (smooth) loss = (T)(1 - a->smoothing) * loss + smooth_acc * (T)(a->smoothing / (double)a->c); \
    out[0] = loss;                                                                             \
    return -1;                                                                                 \
  }

// Backward: grad_in (zeroed, N*C*M) receives -w[t] * g at each counted target, plus the
// smoothing term -w[k] * g * ls/C on every class of counted positions.
#define DEFINE_NLL_BACKWARD(T, SUFFIX)                                                         \
  static void nll_backward_##SUFFIX(const nll_args *a, const T *g, double total_weight, T *gin) { \
    const T *w = a->w;                                                                         \
    const int64_t count = a->n * a->m;                                                         \
    const bool none = a->reduction == CT_REDUCTION_NONE, smooth = a->smoothing > 0;           \
    T scaled = 0;                                                                              \
    if (!none) scaled = -(a->reduction == CT_REDUCTION_MEAN ? g[0] / (T)total_weight : g[0]);  \
    const T keep = (T)(1 - a->smoothing), spread = (T)(a->smoothing / (double)a->c);           \
    for (int64_t i = 0; i < count; i++) {                                                      \
      const int64_t b = a->m == 1 ? i : i / a->m, pos = a->m == 1 ? 0 : i % a->m;               \
      const int64_t t = a->target[i];                                                          \
      if (t == a->ignore) continue;                                                            \
      T *row = gin + b * a->c * a->m + pos;                                                    \
      const T gi = none ? -g[i] : scaled;                                                      \
      if (!smooth) {                                                                           \
        row[t * a->m] = w ? w[t] * gi : gi;                                                    \
        continue;                                                                              \
      }                                                                                        \
      for (int64_t k = 0; k < a->c; k++) row[k * a->m] = (w ? w[k] * gi : gi) * spread;       \
      row[t * a->m] += (w ? w[t] * gi : gi) * keep;                                            \
    }                                                                                          \
  }

DEFINE_NLL_FORWARD(float, f32)
DEFINE_NLL_FORWARD(double, f64)
DEFINE_NLL_BACKWARD(float, f32)
DEFINE_NLL_BACKWARD(double, f64)

static void args_from_node(const nll_node_args *na, const ct_tensor *target, const ct_tensor *weight,
                           nll_args *a) {
  *a = (nll_args){
      .target = (const int64_t *)ct__data(target), .w = weight ? ct__data(weight) : NULL,
      .n = na->n, .c = na->c, .m = na->m, .ignore = na->ignore_index,
      .reduction = na->reduction, .smoothing = na->smoothing,
  };
}

static ct_status nll_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  ct_tensor *target = ct__saved(node, SAVED_TARGET);
  if (!target) return ct_last_status();
  const nll_node_args *na = ct__node_args(node, nll_node_args);
  nll_args a;
  args_from_node(na, target, node->saved[SAVED_WEIGHT], &a);
  const ct_input_meta *in = &node->inputs[0];
  ct_tensor *g = ct__loss_dense(grad, in->dtype, grad->ndim, grad->shape);
  ct_tensor *gin = ct__alloc(in->dtype, in->ndim, in->shape);
  if (!g || !gin) return ct_last_status();
  memset(ct__data(gin), 0, (size_t)ct_numel(gin) * ct_dtype_size(in->dtype));
  if (in->dtype == CT_FLOAT32)
    nll_backward_f32(&a, (const float *)ct__data(g), na->total_weight, (float *)ct__data(gin));
  else nll_backward_f64(&a, (const double *)ct__data(g), na->total_weight, (double *)ct__data(gin));
  grad_in[0] = gin;
  return CT_OK;
}

ct_tensor *ct__nll_loss(ct_tensor *input, ct_tensor *target, ct_tensor *weight, int64_t ignore_index,
                        double label_smoothing, ct_reduction reduction) {
  CT_CHECK_NULL(input);
  CT_CHECK_NULL(target);
  if (!ct__loss_reduction_ok(reduction)) return NULL;
  nll_geometry geo;
  if (geometry(input, target, reduction, &geo) != CT_OK) return NULL;
  if (ct__check_same_device_args("wrapper_nll_loss_forward", 3, (const ct_tensor *[]){input, target, weight},
                                 (const char *[]){"self", "target", "weight"}, 3) != CT_OK)
    return NULL;
  if (target->dtype != CT_INT64)
    return ct__error_null(CT_ERR_RUNTIME, "expected scalar type Long but found %s",
                          ct__scalar_type_name(target->dtype));
  if (!ct_dtype_is_floating(input->dtype))
    return ct__error_null(CT_ERR_RUNTIME, "\"nll_loss_out_frame\" not implemented for '%s'",
                          ct__scalar_type_name(input->dtype));
  if (check_weight(input, weight, geo.c) != CT_OK) return NULL;
  if (weight && weight->requires_grad && ct_is_grad_enabled())
    return ct__error_null(CT_ERR_RUNTIME,
                          "The function 'nll_loss' is not differentiable with respect to argument 'weight'. "
                          "This input cannot have requires_grad True.");
  bool smooth = label_smoothing > 0;
  ct_scope *scope = ct_scope_open();
  if (!scope) return NULL;
  ct_tensor *x = ct__loss_dense(input, input->dtype, input->ndim, input->shape);
  ct_tensor *t = ct__loss_dense(target, CT_INT64, target->ndim, target->shape);
  ct_tensor *w = weight ? ct__loss_dense(weight, input->dtype, 1, weight->shape) : NULL;
  bool none = geo.reduction == CT_REDUCTION_NONE;
  // With smoothing PyTorch's 'none' result is the sum of two (N, d1, ...) tensors: no view.
  const int64_t *shape = smooth && geo.view_ndim ? geo.view_shape : geo.out_shape;
  int ndim = smooth && geo.view_ndim ? geo.view_ndim : geo.out_ndim;
  ct_tensor *out = none ? ct__alloc(input->dtype, ndim, shape) : ct__alloc(input->dtype, 0, NULL);
  if (!x || !t || (weight && !w) || !out) goto fail;
  nll_args a = {
      .x = ct__data(x), .target = (const int64_t *)ct__data(t), .w = w ? ct__data(w) : NULL, .n = geo.n, .c = geo.c,
      .m = geo.m, .ignore = ignore_index, .reduction = geo.reduction, .smoothing = smooth ? label_smoothing : 0,
  };
  double total_weight;
  int64_t bad = input->dtype == CT_FLOAT32 ? nll_forward_f32(&a, (float *)ct__data(out), &total_weight)
                                           : nll_forward_f64(&a, (double *)ct__data(out), &total_weight);
  if (bad >= 0) {
    ct__error(CT_ERR_INDEX, "Target %lld is out of bounds.", (long long)a.target[bad]);
    goto fail;
  }
  ct_tensor *saved[2] = {t, w};
  ct_node *node;
  const char *name = smooth ? "AddBackward0" : geo.node_name;
  if (ct__record(out, name, nll_backward, 1, &input, 2, saved, &node) != CT_OK) goto fail;
  if (node)
    *ct__node_args(node, nll_node_args) = (nll_node_args){
        .reduction = geo.reduction, .n = geo.n, .c = geo.c, .m = geo.m, .ignore_index = ignore_index,
        .total_weight = total_weight, .smoothing = a.smoothing};
  if (none && !smooth && geo.view_ndim) out = ct_view(out, geo.view_ndim, geo.view_shape);
  ct_keep(out);
  ct_scope_close(scope);
  return out;
fail:
  ct_scope_close(scope);
  return NULL;
}

ct_tensor *ct_nll_loss(ct_tensor *input, ct_tensor *target, ct_tensor *weight, int64_t ignore_index,
                       ct_reduction reduction) {
  return ct__nll_loss(input, target, weight, ignore_index, 0, reduction);
}
