// gather and scatter_add (out of place), with PyTorch's argument checks.
#include <string.h>
#include "core/copy.h"
#include "core/device.h"
#include "core/error_impl.h"
#include "autograd/linear_backward.h"
#include "ctorch/index.h"
#include "ops/index_internal.h"
#include "ops/sum_to.h"

// PyTorch's scatter/gather treat 0-d tensors as 1-element vectors.
static int ne_dim(const ct_tensor *t) { return t->ndim ? t->ndim : 1; }
static int64_t ne_size(const ct_tensor *t, int d) { return t->ndim ? t->shape[d] : 1; }

int ct__first_dim_larger(const ct_tensor *index, const ct_tensor *x, int d) {
  for (int i = 0; i < ne_dim(x); i++)
    if (i != d && ne_size(index, i) > ne_size(x, i)) return i;
  return -1;
}

ct_status ct__check_index_values(const ct_tensor *x, int dim, const ct_tensor *index) {
  int64_t size = ne_size(x, dim);
  ct_index_scan scan;
  if (ct__index_scan(index, 0, size, &scan)) return CT_OK;
  return ct__error(CT_ERR_INDEX, "index %lld is out of bounds for dimension %d with size %lld", (long long)scan.bad,
                   dim, (long long)size);
}

// GatherBackward0 / ScatterAddBackward0 arguments.
typedef struct gather_args {
  int dim; // wrapped
} gather_args;

// GatherBackward0: saved[0] = index. Gradients go back where they came from.
static ct_tensor *gather_jvp(ct_node *node, int input, ct_tensor *v, const ct_input_meta *out) {
  (void)input, (void)out;
  ct_tensor *index = ct__saved(node, 0);
  return index ? ct_gather(v, ct__node_args(node, gather_args)->dim, index) : NULL;
}

static ct_status gather_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (ct__create_graph()) return ct__linear_backward(node, grad, grad_in, gather_jvp);
  ct_tensor *index = ct__saved(node, 0);
  if (!index) return ct_last_status();
  const ct_input_meta *m = &node->inputs[0];
  ct_tensor *gx = ct__alloc(grad->dtype, m->ndim, m->shape);
  if (!gx || ct__fill(gx, 0.0) != CT_OK) return ct_last_status();
  ct__scatter_add_into(gx, ct__node_args(node, gather_args)->dim, index, grad);
  grad_in[0] = gx;
  return CT_OK;
}

ct_tensor *ct_gather(ct_tensor *x, int dim, ct_tensor *index) {
  CT_CHECK_NULL(x);
  CT_CHECK_NULL(index);
  if (ct__check_same_device_args("wrapper_gather", 2, (const ct_tensor *[]){x, index},
                                 (const char *[]){"self", "index"}, 2) != CT_OK)
    return NULL;
  int d = ct__wrap_dim(dim, x->ndim, false);
  if (d < 0) return NULL;
  if (index->dtype != CT_INT64) return ct__error_null(CT_ERR_ARG, "gather(): Expected dtype int64 for index");
  if (ct_numel(index) > 0) { // PyTorch checks nothing else for an empty index
    if (ne_dim(index) != ne_dim(x))
      return ct__error_null(CT_ERR_ARG, "Index tensor must have the same number of dimensions as input tensor");
    int bad = ct__first_dim_larger(index, x, d);
    if (bad >= 0) {
      char a[256], b[256];
      CT_SHAPE_STR(index, a);
      CT_SHAPE_STR(x, b);
      return ct__error_null(CT_ERR_ARG,
                            "Size does not match at dimension %d expected index %s to be smaller than self %s apart "
                            "from dimension %d",
                            bad, a, b, d);
    }
    if (ct__check_index_values(x, d, index) != CT_OK) return NULL;
  }
  ct_tensor *out = ct__alloc(x->dtype, index->ndim, index->shape);
  if (!out) return NULL;
  if (ct_numel(out) > 0) ct__gather_into(out, x, d, index);
  ct_node *node;
  out = ct__index_record(out, "GatherBackward0", gather_back, x, index, &node);
  if (node) *ct__node_args(node, gather_args) = (gather_args){.dim = d};
  return out;
}

ct_tensor *ct__scatter_src_grad(ct_node *node, ct_tensor *grad, int dim, ct_tensor *index) {
  ct_tensor *g = ct__alloc(grad->dtype, index->ndim, index->shape);
  if (!g) return NULL;
  if (ct_numel(g) > 0) ct__gather_into(g, grad, dim, index);
  const ct_input_meta *m = &node->inputs[1];
  bool fits = g->ndim >= m->ndim;
  for (int i = 0; fits && i < m->ndim; i++) {
    int64_t gs = g->shape[g->ndim - m->ndim + i];
    fits = m->shape[i] == gs || m->shape[i] == 1;
  }
  if (!fits) {
    char a[256], b[256];
    CT_SHAPE_STR(g, a);
    ct__shape_to_str(m->ndim, m->shape, b, sizeof b);
    return ct__error_null(CT_ERR_RUNTIME,
                          "Function %s returned an invalid gradient at index 1 - got %s but expected shape compatible "
                          "with %s",
                          node->name, a, b);
  }
  return ct__grad_for_input(node, 1, g);
}

// create_graph: grad for self, gather(grad, dim, index) for src (recorded).
CT_CREATE_GRAPH_PATH static ct_status scatter_add_back_recorded(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (node->next[0] && !(grad_in[0] = ct__grad_for_input(node, 0, grad))) return ct_last_status();
  if (!node->next[1]) return CT_OK;
  ct_tensor *index = ct__saved(node, 0);
  ct_tensor *g = index ? ct_gather(grad, ct__node_args(node, gather_args)->dim, index) : NULL;
  grad_in[1] = ct__grad_for_input(node, 1, g);
  return grad_in[1] ? CT_OK : ct_last_status();
}

// ScatterAddBackward0: saved[0] = index. x's gradient passes through; src's is grad
// gathered at index.
static ct_status scatter_add_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (ct__create_graph()) return scatter_add_back_recorded(node, grad, grad_in);
  if (node->next[0]) {
    grad_in[0] = ct__grad_for_input(node, 0, grad);
    if (!grad_in[0]) return ct_last_status();
  }
  if (!node->next[1]) return CT_OK;
  ct_tensor *index = ct__saved(node, 0);
  if (!index) return ct_last_status();
  grad_in[1] = ct__scatter_src_grad(node, grad, ct__node_args(node, gather_args)->dim, index);
  return grad_in[1] ? CT_OK : ct_last_status();
}

ct_status ct__check_scatter_shapes(const ct_tensor *x, int d, const ct_tensor *index, const ct_tensor *src) {
  if (ne_dim(index) != ne_dim(x))
    return ct__error(CT_ERR_ARG, "Index tensor must have the same number of dimensions as self tensor");
  bool wrong = ct__first_dim_larger(index, x, d) >= 0;
  for (int i = 0; !wrong && i < ne_dim(x); i++) {
    if (i >= ne_dim(src)) { // PyTorch asks for src.size(i) and fails on the dim
      ct__wrap_dim(i, src->ndim, false);
      return ct_last_status();
    }
    if (ne_size(index, i) > ne_size(src, i)) wrong = true;
  }
  if (wrong) {
    char a[256], b[256], c[256];
    CT_SHAPE_STR(index, a);
    CT_SHAPE_STR(x, b);
    CT_SHAPE_STR(src, c);
    return ct__error(CT_ERR_ARG,
                     "Expected index %s to be smaller than self %s apart from dimension %d and to be smaller size "
                     "than src %s",
                     a, b, d, c);
  }
  if (ne_dim(index) != ne_dim(src))
    return ct__error(CT_ERR_ARG, "Index tensor must have the same number of dimensions as src tensor");
  return ct__check_index_values(x, d, index);
}

ct_tensor *ct_scatter_add(ct_tensor *x, int dim, ct_tensor *index, ct_tensor *src) {
  CT_CHECK_NULL(x);
  CT_CHECK_NULL(index);
  CT_CHECK_NULL(src);
  if (ct__check_same_device_args("wrapper_scatter_add", 3, (const ct_tensor *[]){x, index, src},
                                 (const char *[]){"self", "index", "src"}, 3) != CT_OK)
    return NULL;
  int d = ct__wrap_dim(dim, x->ndim, false);
  if (d < 0) return NULL;
  if (index->dtype != CT_INT64) return ct__error_null(CT_ERR_ARG, "scatter(): Expected dtype int64 for index");
  if (src->dtype != x->dtype) return ct__error_null(CT_ERR_ARG, "scatter(): Expected self.dtype to be equal to src.dtype");
  bool any = ct_numel(index) > 0; // PyTorch checks nothing else for an empty index
  if (any && ct__check_scatter_shapes(x, d, index, src) != CT_OK) return NULL;
  ct_tensor *out = ct__copy_as(x, x->dtype);
  if (!out) return NULL;
  ct_tensor *inputs[2] = {x, src};
  ct_node *node = NULL;
  if (any) ct__scatter_add_into(out, d, index, src);
  if (ct__record(out, "ScatterAddBackward0", scatter_add_back, 2, inputs, 1, &index, &node) != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  if (node) *ct__node_args(node, gather_args) = (gather_args){.dim = d};
  return out;
}
