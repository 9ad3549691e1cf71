// scatter / scatter_ with a src tensor or a value, optionally reduced (add, multiply),
// with PyTorch's argument checks and derivatives.
#include <string.h>
#include "autograd/node.h"
#include "core/copy.h"
#include "core/device.h"
#include "core/error_impl.h"
#include "core/operand.h"
#include "ctorch/creation.h"
#include "ctorch/index.h"
#include "ctorch/scatter.h"
#include "ops/index_internal.h"
#include "ops/sum_to.h"
#include "ops/view_internal.h"

// ScatterBackward0/1 arguments.
typedef struct scatter_args {
  int dim; // wrapped
} scatter_args;

// A NotImplemented node's op, for its message.
typedef struct not_implemented_args {
  bool inplace;
} not_implemented_args;

// PyTorch's scatter/gather treat 0-d tensors as 1-element vectors.
static int ne_dim(const ct_tensor *t) { return t->ndim ? t->ndim : 1; }

// dst[... index[p] ...] = / += / *= src[p] (src: a tensor, or a 0-d value broadcast).
static void run_scatter(ct_tensor *dst, int dim, const ct_tensor *index, const ct_tensor *src, bool src_is_value,
                        ct_scatter_reduce reduce) {
  const ct_index_kernels *k = ct__index_kernels(dst);
  const ct_loop_fn *loops = reduce == CT_SCATTER_ADD ? k->scatter_add : reduce == CT_SCATTER_MULTIPLY ? k->scatter_mul
                                                                                                      : k->scatter;
  const ct_operand dst_op = ct__vector_operand(dst), index_op = ct__vector_operand(index);
  int64_t zeros[CT_MAX_DIMS] = {0};
  const ct_operand src_op = src_is_value ? ct__operand_as(src, index_op.ndim, index_op.shape, zeros)
                                         : ct__vector_operand(src);
  ct__scatter_loop_operands(loops[dst->dtype], &dst_op, dim, &index_op, &src_op);
}

// grad with zeros written where the forward scattered (ScatterBackward's self gradient).
static ct_tensor *grad_with_zeros_at(ct_node *node, ct_tensor *grad, ct_tensor *index) {
  ct_tensor *g = ct__copy_as(grad, grad->dtype);
  ct_tensor *zero = ct_scalar(0, grad->dtype);
  if (!g || !zero) return NULL;
  if (ct_numel(index) > 0) run_scatter(g, ct__node_args(node, scatter_args)->dim, index, zero, true, CT_SCATTER_ASSIGN);
  ct__drop(zero);
  return g;
}

// ScatterBackward0 (src) / ScatterBackward1 (value): saved[0] = index. self's gradient
// is grad with the overwritten positions zeroed; src's is grad gathered at index.
// create_graph: grad.scatter(dim, index, 0) for self, grad.gather(dim, index) for src,
// both recorded (PyTorch's formulas).
CT_CREATE_GRAPH_PATH static ct_status scatter_back_recorded(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  ct_tensor *index = ct__saved(node, 0);
  if (!index) return ct_last_status();
  int d = ct__node_args(node, scatter_args)->dim;
  if (node->next[0] && !(grad_in[0] = ct_scatter_value(grad, d, index, 0, CT_SCATTER_ASSIGN))) return ct_last_status();
  if (node->num_next > 1 && node->next[1] && !(grad_in[1] = ct__grad_for_input(node, 1, ct_gather(grad, d, index))))
    return ct_last_status();
  return CT_OK;
}

static ct_status scatter_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (ct__create_graph()) return scatter_back_recorded(node, grad, grad_in);
  ct_tensor *index = ct__saved(node, 0);
  if (!index) return ct_last_status();
  if (node->next[0] && !(grad_in[0] = grad_with_zeros_at(node, grad, index))) return ct_last_status();
  if (node->num_next > 1 && node->next[1]) {
    grad_in[1] = ct__scatter_src_grad(node, grad, ct__node_args(node, scatter_args)->dim, index);
    if (!grad_in[1]) return ct_last_status();
  }
  return CT_OK;
}

static ct_status scatter_not_implemented(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  (void)grad, (void)grad_in;
  return ct__error(CT_ERR_RUNTIME, "derivative for aten::scatter%s is not implemented",
                   ct__node_args(node, not_implemented_args)->inplace ? "_" : "");
}

// PyTorch's checks of scatter with a value: index no larger than self outside dim.
static ct_status check_value_shapes(const ct_tensor *x, int d, const ct_tensor *index) {
  if (ne_dim(index) != ne_dim(x))
    return ct__error(CT_ERR_ARG, "Index tensor must have the same number of dimensions as self tensor");
  if (ct__first_dim_larger(index, x, d) >= 0) {
    char a[256], b[256];
    CT_SHAPE_STR(index, a);
    CT_SHAPE_STR(x, b);
    return ct__error(CT_ERR_ARG, "Expected index %s to be smaller than self %s apart from dimension %d", a, b, d);
  }
  return ct__check_index_values(x, d, index);
}

// Both forms: src NULL means the value form. inplace writes x.
static ct_tensor *scatter_impl(ct_tensor *x, int dim, ct_tensor *index, ct_tensor *src, double value,
                               ct_scatter_reduce reduce, bool inplace) {
  CT_CHECK_NULL(x);
  CT_CHECK_NULL(index);
  const char *wrapper = src ? "wrapper_scatter_src" : "wrapper_scatter_value";
  ct_tensor *args[3] = {x, index, src};
  if (ct__check_same_device_args(wrapper, src ? 3 : 2, (const ct_tensor **)args,
                                 (const char *[]){"self", "index", "src"}, src ? 3 : 2) != CT_OK)
    return NULL;
  int d = ct__wrap_dim(dim, x->ndim, false);
  if (d < 0) return NULL;
  if (reduce != CT_SCATTER_ASSIGN && reduce != CT_SCATTER_ADD && reduce != CT_SCATTER_MULTIPLY)
    return ct__error_null(CT_ERR_ARG, "reduce argument must be either add or multiply.");
  if (index->dtype != CT_INT64) return ct__error_null(CT_ERR_ARG, "scatter(): Expected dtype int64 for index");
  if (src && src->dtype != x->dtype)
    return ct__error_null(CT_ERR_ARG, "scatter(): Expected self.dtype to be equal to src.dtype");
  bool any = ct_numel(index) > 0; // PyTorch checks nothing else for an empty index
  if (any && (src ? ct__check_scatter_shapes(x, d, index, src) : check_value_shapes(x, d, index)) != CT_OK)
    return NULL;
  ct_tensor *inputs[2] = {x, src};
  bool record = ct__needs_grad(src ? 2 : 1, inputs);
  if (inplace && record && ct__check_inplace(x) != CT_OK) return NULL;
  if (inplace && ct__check_no_internal_overlap_write(x) != CT_OK) return NULL;
  ct_tensor *v = src ? src : ct_scalar(value, x->dtype);
  ct_tensor *out = !v ? NULL : inplace ? x : ct__copy_as(x, x->dtype);
  if (!out) {
    if (!src) ct__drop(v);
    return NULL;
  }
  if (any) run_scatter(out, d, index, v, !src, reduce);
  if (!src) ct__drop(v);
  if (inplace) ct__bump_version(out);
  ct_node *node = NULL;
  ct_status st;
  if (reduce != CT_SCATTER_ASSIGN) { // edges only to the inputs that require grad, as PyTorch
    ct_tensor *need[2];
    int n = 0;
    for (int i = 0; i < (src ? 2 : 1); i++)
      if (inputs[i]->requires_grad) need[n++] = inputs[i];
    ct_node *ni;
    st = ct__record(out, "NotImplemented", scatter_not_implemented, n, need, 0, NULL, &ni);
    if (ni) *ct__node_args(ni, not_implemented_args) = (not_implemented_args){inplace};
  } else {
    st = ct__record(out, src ? "ScatterBackward0" : "ScatterBackward1", scatter_back, src ? 2 : 1, inputs, 1, &index,
                    &node);
  }
  if (st != CT_OK) {
    if (!inplace) ct__drop(out);
    return NULL;
  }
  if (node) *ct__node_args(node, scatter_args) = (scatter_args){.dim = d};
  return out;
}

ct_tensor *ct_scatter(ct_tensor *x, int dim, ct_tensor *index, ct_tensor *src, ct_scatter_reduce reduce) {
  CT_CHECK_NULL(src);
  return scatter_impl(x, dim, index, src, 0, reduce, false);
}

ct_tensor *ct_scatter_(ct_tensor *x, int dim, ct_tensor *index, ct_tensor *src, ct_scatter_reduce reduce) {
  CT_CHECK_NULL(src);
  return scatter_impl(x, dim, index, src, 0, reduce, true);
}

ct_tensor *ct_scatter_value(ct_tensor *x, int dim, ct_tensor *index, double value, ct_scatter_reduce reduce) {
  return scatter_impl(x, dim, index, NULL, value, reduce, false);
}

ct_tensor *ct_scatter_value_(ct_tensor *x, int dim, ct_tensor *index, double value, ct_scatter_reduce reduce) {
  return scatter_impl(x, dim, index, NULL, value, reduce, true);
}
