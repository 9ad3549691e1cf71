// softmax and log_softmax along a dim, with autograd. Like PyTorch, the input is made
// contiguous and viewed as [outer, dim, inner]; the kernels work on those blocks, and
// large inputs are split across threads along `outer` (results do not depend on it).
#include "core/copy.h"
#include "core/device.h"
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "ctorch/ops.h"
#include "ctorch/reduce.h"
#include "kernels/parallel.h"
#include "ops/reduce_plan.h"
#ifdef _OPENMP
#include <omp.h>
#endif

typedef struct block_shape {
  int64_t outer, dim, inner;
} block_shape;

static block_shape block_of(const ct_tensor *t, int d) {
  block_shape b = {1, 1, 1};
  for (int i = 0; i < t->ndim; i++) {
    if (i < d) b.outer *= t->shape[i];
    else if (i == d) b.dim = t->shape[i];
    else b.inner *= t->shape[i];
  }
  return b;
}

// Chunks of `outer` for the threads (1 when the work is small).
static int64_t outer_chunks(block_shape b) {
  int64_t chunks = 1;
#ifdef _OPENMP
  if (b.outer * b.dim * b.inner >= 2 * CT_PARALLEL_GRAIN && !omp_in_parallel()) chunks = ct__parallel_threads();
#endif
  return chunks < b.outer ? chunks : (b.outer > 0 ? b.outer : 1);
}

static void run_forward(ct_softmax_fn fn, char *out, const char *in, block_shape b, size_t es) {
  int64_t chunks = outer_chunks(b), row = b.dim * b.inner * (int64_t)es;
#pragma omp parallel for num_threads((int)chunks) schedule(static) if (chunks > 1)
  for (int64_t c = 0; c < chunks; c++) {
    int64_t lo = b.outer * c / chunks, hi = b.outer * (c + 1) / chunks;
    fn(out + lo * row, in + lo * row, hi - lo, b.dim, b.inner);
  }
}

static void run_backward(ct_softmax_backward_fn fn, char *gin, const char *g, const char *y, block_shape b,
                         size_t es) {
  int64_t chunks = outer_chunks(b), row = b.dim * b.inner * (int64_t)es;
#pragma omp parallel for num_threads((int)chunks) schedule(static) if (chunks > 1)
  for (int64_t c = 0; c < chunks; c++) {
    int64_t lo = b.outer * c / chunks, hi = b.outer * (c + 1) / chunks;
    fn(gin + lo * row, g + lo * row, y + lo * row, hi - lo, b.dim, b.inner);
  }
}

// SoftmaxBackward0 / LogSoftmaxBackward0 arguments.
typedef struct softmax_args {
  int dim; // wrapped
  bool log;
} softmax_args;

// SoftmaxBackward0 / LogSoftmaxBackward0: saved output.
static ct_status softmax_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  const softmax_args *a = ct__node_args(node, softmax_args);
  ct_tensor *y = ct__saved(node, 0);
  if (!y) return ct_last_status();
  if (ct__create_graph()) { // recorded: y * (grad - sum(grad * y)); grad - exp(y) * sum(grad)
    const int d = a->dim;
    grad_in[0] = a->log ? ct_sub(grad, ct_mul(ct_exp(y), ct_sum_dim(grad, d, true)))
                        : ct_mul(y, ct_sub(grad, ct_sum_dim(ct_mul(grad, y), d, true)));
    return grad_in[0] ? CT_OK : ct_last_status();
  }
  ct_tensor *g = ct_is_contiguous(grad) ? grad : ct__copy_as(grad, grad->dtype);
  ct_tensor *gin = ct__alloc(y->dtype, y->ndim, y->shape);
  if (!g || !gin) return ct_last_status();
  const ct_reduce_kernels *k = ct__reduce_kernels_of(y);
  run_backward((a->log ? k->log_softmax_backward : k->softmax_backward)[y->dtype], ct__data(gin), ct__data(g),
               ct__data(y), block_of(y, a->dim), ct_dtype_size(y->dtype));
  grad_in[0] = gin;
  return CT_OK;
}

static ct_tensor *softmax_impl(ct_tensor *t, int dim, bool log) {
  CT_CHECK_NULL(t);
  if (ct__check_device(t) != CT_OK) return NULL;
  int d = ct__wrap_dim(dim, t->ndim, false);
  if (d < 0) return NULL;
  if (!ct_dtype_is_floating(t->dtype)) { // PyTorch's kernel names (log_softmax reuses "softmax_kernel_impl")
    bool lastdim = ct_numel(t) > 0 && d == (t->ndim ? t->ndim - 1 : 0);
    return ct__error_null(CT_ERR_ARG, "\"%s\" not implemented for '%s'",
                          lastdim ? (log ? "log_softmax_lastdim_kernel_impl" : "softmax_lastdim_kernel_impl")
                                  : "softmax_kernel_impl",
                          ct__scalar_type_name(t->dtype));
  }
  ct_tensor *x = ct_is_contiguous(t) ? t : ct__copy_as(t, t->dtype);
  ct_tensor *out = x ? ct__alloc(t->dtype, t->ndim, t->shape) : NULL;
  if (!out) {
    if (x != t) ct__drop(x);
    return NULL;
  }
  const ct_reduce_kernels *k = ct__reduce_kernels_of(t);
  run_forward((log ? k->log_softmax : k->softmax)[t->dtype], ct__data(out), ct__data(x), block_of(t, d),
              ct_dtype_size(t->dtype));
  if (x != t) ct__drop(x);
  ct_node *node;
  if (ct__record(out, log ? "LogSoftmaxBackward0" : "SoftmaxBackward0", softmax_backward, 1, &t, 1, &out, &node) !=
      CT_OK) {
    ct__drop(out);
    return NULL;
  }
  if (node) *ct__node_args(node, softmax_args) = (softmax_args){.dim = d, .log = log};
  return out;
}

ct_tensor *ct_softmax(ct_tensor *t, int dim) { return softmax_impl(t, dim, false); }
ct_tensor *ct_log_softmax(ct_tensor *t, int dim) { return softmax_impl(t, dim, true); }
