// F.embedding_bag and nn.EmbeddingBag: sums, means or maxima of "bags" of embedding rows.
// Bags come from offsets (1-D input) or are the rows of a 2-D input. The index bookkeeping
// (which row goes to which bag, padding skipped) is done once on the host; the values
// come from public ops (index_select, scatter_add, max over each bag), recorded as one
// EmbeddingBagBackward0 node whose backward is again public ops.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "autograd/node.h"
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "core/tensor_impl.h"
#include "ctorch.h"
#include "nn/scoped_result.h"
#include "nn/module_impl.h"
#include "ops/sum_to.h"

// The bags' plan: for each kept (non-padding) input position k, its weight row, its bag
// and its position in the input, as one int64 tensor (3, kept).
enum { PLAN_ROW, PLAN_BAG, PLAN_POS };
// Saved tensors of the node.
enum { SAVED_PLAN, SAVED_AUX, SAVED_WEIGHT }; // aux: per_sample_weights (sum), counts (mean), argmax rows (max)

typedef struct bag_args {
  ct_embedding_bag_mode mode;
  int64_t bags, input_numel;
} bag_args;

static ct_tensor *plan_row(ct_tensor *plan, int which) { return ct_select(plan, 0, which); }

// (kept) -> (kept, dim) index for scatter_add along dim 0.
static ct_tensor *spread(ct_tensor *index, int64_t dim) {
  return ct_expand(ct_unsqueeze(index, 1), 2, (int64_t[]){ct_numel(index), dim});
}

// Gradient of the weight for the per-kept-position gradients g_rows (kept, dim).
static ct_tensor *weight_grad(ct_tensor *like_weight, ct_tensor *rows, ct_tensor *g_rows) {
  return ct_scatter_add(ct_zeros_like(like_weight), 0, spread(rows, like_weight->shape[1]), g_rows);
}

static ct_status embedding_bag_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  ct_tensor *plan = ct__saved(node, SAVED_PLAN), *aux = ct__saved(node, SAVED_AUX);
  ct_tensor *weight = ct__saved(node, SAVED_WEIGHT);
  if (!plan || !weight) return ct_last_status();
  const bag_args *a = ct__node_args(node, bag_args);
  ct_tensor *rows = plan_row(plan, PLAN_ROW), *bag = plan_row(plan, PLAN_BAG), *pos = plan_row(plan, PLAN_POS);
  ct_tensor *g_rows = ct_index_select(grad, 0, bag); // each kept position's bag gradient
  if (node->next[0]) {
    ct_tensor *gw;
    if (a->mode == CT_EMBEDDING_BAG_MAX) { // to the arg-max row of each (bag, feature); -1: empty bag
      ct_tensor *valid = ct_ge_scalar(aux, 0);
      gw = ct_scatter_add(ct_zeros_like(weight), 0, ct_clamp(aux, 0, NAN), ct_mul(grad, ct_to_dtype(valid, grad->dtype)));
    } else {
      // mean: times 1 / bag size, as PyTorch's scale of each row
      ct_tensor *scaled = a->mode == CT_EMBEDDING_BAG_MEAN ? ct_mul(g_rows, ct_pow_scalar(ct_index_select(aux, 0, bag), -1))
                          : aux ? ct_mul(g_rows, ct_unsqueeze(ct_index_select(aux, 0, pos), 1))
                                : g_rows;
      gw = weight_grad(weight, rows, scaled);
    }
    if (!(grad_in[0] = gw ? ct__grad_for_input(node, 0, gw) : NULL)) return ct_last_status();
  }
  if (node->next[1]) { // per_sample_weights: <bag gradient, weight row>, 0 at padding
    ct_tensor *dots = ct_sum_dim(ct_mul(g_rows, ct_index_select(weight, 0, rows)), 1, false);
    ct_tensor *g = ct_scatter_add(ct_zeros(1, (int64_t[]){a->input_numel}, grad->dtype), 0, pos, dots);
    if (!(grad_in[1] = g ? ct__grad_for_input(node, 1, g) : NULL)) return ct_last_status();
  }
  return CT_OK;
}

// ---- the host plan ----

// int64 values of an index tensor (int32 or int64), contiguous, in the current scope.
static const int64_t *values_of(ct_tensor *t) {
  ct_tensor *c = ct_contiguous(t->dtype == CT_INT64 ? t : ct_to_dtype(t, CT_INT64));
  return c ? ct_data_ptr(c) : NULL;
}

static ct_status index_dtype_ok(const ct_tensor *t, int arg, const char *name) {
  if (t->dtype == CT_INT64 || t->dtype == CT_INT32) return CT_OK;
  return ct__error(CT_ERR_RUNTIME,
                   "Expected tensor for argument #%d '%s' to have one of the following scalar types: Long, Int; but "
                   "got torch.%sTensor instead (while checking arguments for embedding_bag)",
                   arg, name, ct__scalar_type_name(t->dtype));
}

// Builds the plan (3, kept) and the bag count from input (1-D) and offsets, checking them
// as PyTorch does. `fast_path`: PyTorch's float32 sum/mean kernel (FBGEMM), whose index
// message differs.
static ct_tensor *make_plan(ct_tensor *input, ct_tensor *offsets, int64_t num_embeddings, int64_t padding_idx,
                            bool include_last_offset, bool fast_path, int64_t *bags_out) {
  int64_t n = ct_numel(input), n_off = ct_numel(offsets);
  const int64_t *idx = values_of(input), *off = values_of(offsets);
  if (!idx || !off) return NULL;
  int64_t bags = include_last_offset ? (n_off > 0 ? n_off - 1 : 0) : n_off;
  if (n_off > 0 && off[0] != 0)
    return ct__error_null(CT_ERR_RUNTIME,
                          "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                          "position 0. However, got %lld",
                          (long long)off[0]);
  if (n_off > 0 && off[n_off - 1] > n)
    return ct__error_null(CT_ERR_RUNTIME, "offsets[-1] can not be greater than input's length %lld but got offsets[-1] of %lld",
                          (long long)n, (long long)off[n_off - 1]);
  for (int64_t b = 1; b < n_off; b++)
    if (off[b] < off[b - 1])
      return ct__error_null(CT_ERR_RUNTIME, "embedding_bag: offsets must be non-decreasing, got %lld after %lld",
                            (long long)off[b], (long long)off[b - 1]);
  for (int64_t i = 0; i < n; i++)
    if (idx[i] < 0 || idx[i] >= num_embeddings) {
      if (fast_path)
        return ct__error_null(CT_ERR_INDEX,
                              "[enforce fail at embedding_lookup_idx.cc:214] 0 <= idx && idx < data_size. Index %lld "
                              "is out of bounds: %lld, range 0 to %lld",
                              (long long)i, (long long)idx[i], (long long)num_embeddings);
      return ct__error_null(CT_ERR_INDEX,
                            "embedding_bag: Expected idx >= 0 && idx < num_embeddings but found idx to be %lld",
                            (long long)idx[i]);
    }
  int64_t end = include_last_offset && n_off > 0 ? off[n_off - 1] : n; // positions past it are in no bag
  ct_tensor *plan = ct_zeros(2, (int64_t[]){3, end}, CT_INT64);
  if (!plan) return NULL;
  int64_t *p = ct_data_ptr(plan), kept = 0;
  for (int64_t b = 0; b < bags; b++) {
    int64_t stop = b + 1 < n_off ? off[b + 1] : end;
    for (int64_t i = off[b]; i < stop; i++) {
      if (idx[i] == padding_idx) continue;
      p[PLAN_ROW * end + kept] = idx[i];
      p[PLAN_BAG * end + kept] = b;
      p[PLAN_POS * end + kept] = i;
      kept++;
    }
  }
  *bags_out = bags;
  return ct_narrow(plan, 1, 0, kept);
}

// ---- forward ----

// Maximum of each bag over its kept rows (bags are runs of the plan), with the weight
// row each maximum came from (-1 for an empty bag, whose output is 0).
static ct_tensor *bag_maxima(ct_tensor *rows_values, ct_tensor *plan, int64_t bags, int64_t dim, ct_tensor **argmax) {
  ct_tensor *out = ct_zeros(2, (int64_t[]){bags, dim}, rows_values->dtype);
  *argmax = ct_full(2, (int64_t[]){bags, dim}, -1, CT_INT64);
  if (!out || !*argmax) return NULL;
  const int64_t *bag = ct_data_ptr(ct_contiguous(plan_row(plan, PLAN_BAG)));
  ct_tensor *rows = ct_contiguous(plan_row(plan, PLAN_ROW));
  int64_t kept = ct_numel(rows);
  for (int64_t start = 0, stop; start < kept; start = stop) {
    for (stop = start + 1; stop < kept && bag[stop] == bag[start];) stop++;
    ct_tensor *where;
    ct_tensor *m = ct_max_dim(ct_narrow(rows_values, 0, start, stop - start), 0, false, &where);
    ct_tensor *src_rows = ct_index_select(ct_narrow(rows, 0, start, stop - start), 0, where);
    if (!m || !src_rows || ct_copy_(ct_select(out, 0, bag[start]), m) != CT_OK ||
        ct_copy_(ct_select(*argmax, 0, bag[start]), src_rows) != CT_OK)
      return NULL;
  }
  return out;
}

static ct_tensor *bag_values(ct_tensor *weight, ct_tensor *plan, ct_tensor *psw, ct_embedding_bag_mode mode,
                             int64_t bags, ct_tensor **aux) {
  int64_t dim = weight->shape[1];
  ct_tensor *rows = plan_row(plan, PLAN_ROW), *bag = plan_row(plan, PLAN_BAG);
  ct_tensor *values = ct_index_select(weight, 0, rows);
  if (mode == CT_EMBEDDING_BAG_MAX) return bag_maxima(values, plan, bags, dim, aux);
  if (psw) {
    values = ct_mul(values, ct_unsqueeze(ct_index_select(psw, 0, plan_row(plan, PLAN_POS)), 1));
    *aux = psw;
  }
  ct_tensor *sums = ct_scatter_add(ct_zeros(2, (int64_t[]){bags, dim}, weight->dtype), 0, spread(bag, dim), values);
  if (mode == CT_EMBEDDING_BAG_SUM) return sums;
  // mean: sum / bag size (empty bags stay 0: divided by 1)
  ct_tensor *counts = ct_scatter_add(ct_zeros(1, &bags, weight->dtype), 0, bag, ct_ones_like(ct_to_dtype(bag, weight->dtype)));
  *aux = ct_unsqueeze(ct_clamp(counts, 1, NAN), 1);
  return ct_div(sums, *aux);
}

static bool same_shape(const ct_tensor *a, const ct_tensor *b) {
  if (a->ndim != b->ndim) return false;
  for (int d = 0; d < a->ndim; d++)
    if (a->shape[d] != b->shape[d]) return false;
  return true;
}

// F.embedding_bag's argument checks, in its order and with its messages.
static ct_status check_args(ct_tensor *input, ct_tensor *weight, ct_tensor *offsets, ct_embedding_bag_mode mode,
                            ct_tensor *psw, int64_t *padding_idx) {
  if (psw && !same_shape(psw, input)) {
    char ps[128], is[128];
    ct_shape_str(psw, ps, sizeof ps);
    ct_shape_str(input, is, sizeof is);
    return ct__error(CT_ERR_ARG, "embedding_bag: If per_sample_weights (%s) is not None, then it must have the same "
                     "shape as the input (%s)", ps, is);
  }
  if (input->ndim == 2 && offsets)
    return ct__error(CT_ERR_ARG, "if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                     "fixed length sequences. However, found offsets of type <class 'torch.Tensor'>");
  if (input->ndim == 1 && !offsets) return ct__error(CT_ERR_ARG, "offsets has to be a 1D Tensor but got None");
  if (input->ndim == 1 && offsets->ndim != 1) return ct__error(CT_ERR_ARG, "offsets has to be a 1D Tensor");
  if (input->ndim != 1 && input->ndim != 2)
    return ct__error(CT_ERR_ARG, "input has to be 1D or 2D Tensor, but got Tensor of dimension %d", input->ndim);
  if (mode != CT_EMBEDDING_BAG_SUM && mode != CT_EMBEDDING_BAG_MEAN && mode != CT_EMBEDDING_BAG_MAX)
    return ct__error(CT_ERR_ARG, "mode has to be one of sum, mean or max");
  if (psw && mode != CT_EMBEDDING_BAG_SUM)
    return ct__error(CT_ERR_RUNTIME, "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                     "supported for mode='sum' (got mode='%s'). Please open a feature request on GitHub.",
                     mode == CT_EMBEDDING_BAG_MEAN ? "mean" : "max");
  int64_t num = weight->ndim == 2 ? weight->shape[0] : 0;
  if (*padding_idx != CT_NO_PADDING_IDX) {
    if (*padding_idx < -num || *padding_idx >= num)
      return ct__error(CT_ERR_ARG, "padding_idx must be within the number of embeddings, %lld through %lld, but got %lld",
                       (long long)-num, (long long)(num - 1), (long long)*padding_idx);
    if (*padding_idx < 0) *padding_idx += num;
  }
  if (weight->ndim != 2) return ct__error(CT_ERR_RUNTIME, "weight has to be a 2D Tensor, but got Tensor of dimension %d", weight->ndim);
  if (index_dtype_ok(input, 1, "indices") != CT_OK || (offsets && index_dtype_ok(offsets, 2, "offsets") != CT_OK))
    return ct_last_status();
  if (!ct_dtype_is_floating(weight->dtype))
    return ct__error(CT_ERR_RUNTIME, "\"embedding_bag_cpu\" not implemented for '%s'", ct__scalar_type_name(weight->dtype));
  if (psw && psw->dtype != weight->dtype)
    return ct__error(CT_ERR_RUNTIME, "Expected tensor for argument #1 'weight' to have the same type as tensor for "
                     "argument #1 'per_sample_weights'; but type torch.%sTensor does not equal torch.%sTensor (while "
                     "checking arguments for embedding_bag)",
                     ct__scalar_type_name(weight->dtype), ct__scalar_type_name(psw->dtype));
  return CT_OK;
}

static ct_tensor *embedding_bag(ct_tensor *input, ct_tensor *weight, ct_tensor *offsets, ct_embedding_bag_mode mode,
                                ct_tensor *psw, bool include_last_offset, int64_t padding_idx) {
  if (check_args(input, weight, offsets, mode, psw, &padding_idx) != CT_OK) return NULL;
  if (input->ndim == 2) { // fixed-length bags: offsets 0, L, 2L ... (torch.arange's step rules)
    offsets = ct_arange(0, (double)ct_numel(input), (double)input->shape[1], input->dtype);
    input = ct_reshape(input, 1, (int64_t[]){-1});
    if (psw) psw = ct_reshape(psw, 1, (int64_t[]){-1});
    if (!offsets || !input) return NULL;
  }
  bool fast_path = weight->dtype == CT_FLOAT32 && mode != CT_EMBEDDING_BAG_MAX; // FBGEMM's messages
  int64_t bags = 0;
  ct_tensor *aux = NULL;
  bool prev = ct_no_grad_enter();
  ct_tensor *plan = make_plan(input, offsets, weight->shape[0], padding_idx, include_last_offset, fast_path, &bags);
  ct_tensor *out = plan ? bag_values(weight, plan, psw, mode, bags, &aux) : NULL;
  ct_grad_mode_restore(prev);
  if (!out) return NULL;
  ct_tensor *inputs[2] = {weight, psw}, *saved[3] = {plan, aux, weight};
  ct_node *node;
  if (ct__record(out, "EmbeddingBagBackward0", embedding_bag_backward, 2, inputs, 3, saved, &node) != CT_OK)
    return NULL;
  if (node) *ct__node_args(node, bag_args) = (bag_args){mode, bags, ct_numel(input)};
  return out;
}

ct_tensor *ct_embedding_bag(ct_tensor *input, ct_tensor *weight, ct_tensor *offsets, ct_embedding_bag_mode mode,
                            ct_tensor *per_sample_weights, bool include_last_offset, int64_t padding_idx) {
  CT_CHECK_NULL(input);
  CT_CHECK_NULL(weight);
  ct_scope *s = ct_scope_open();
  return s ? ct__nn_keep_result(s, embedding_bag(input, weight, offsets, mode, per_sample_weights,
                                                 include_last_offset, padding_idx))
           : NULL;
}

// ---- nn.EmbeddingBag ----

typedef struct embedding_bag_module {
  ct_module base;
  int64_t num_embeddings, embedding_dim, padding_idx; // padding_idx: CT_NO_PADDING_IDX or 0..num-1
  ct_embedding_bag_mode mode;
  bool include_last_offset;
} embedding_bag_module;

#define BAG(self) ((embedding_bag_module *)(self))

static const char *mode_name(ct_embedding_bag_mode mode) {
  return mode == CT_EMBEDDING_BAG_SUM ? "sum" : mode == CT_EMBEDDING_BAG_MEAN ? "mean" : mode == CT_EMBEDDING_BAG_MAX ? "max" : "?";
}

// A 2-D input of fixed-length bags (ct_embedding_bag_forward takes offsets).
static ct_tensor *embedding_bag_one_input(ct_module *self, ct_tensor *input) {
  return ct_embedding_bag_forward(self, input, NULL, NULL);
}

static void embedding_bag_repr(const ct_module *self, char *buf, size_t cap) {
  const embedding_bag_module *m = (const embedding_bag_module *)self;
  int n = snprintf(buf, cap, "%lld, %lld, mode=%s", (long long)m->num_embeddings, (long long)m->embedding_dim,
                   mode_name(m->mode));
  if (m->padding_idx != CT_NO_PADDING_IDX && n >= 0 && (size_t)n < cap)
    snprintf(buf + n, cap - (size_t)n, ", padding_idx=%lld", (long long)m->padding_idx);
}

static const ct_module_vtable embedding_bag_vtable = {"EmbeddingBag", embedding_bag_one_input, embedding_bag_repr, NULL};

ct_tensor *ct_embedding_bag_forward(ct_module *m, ct_tensor *input, ct_tensor *offsets, ct_tensor *per_sample_weights) {
  if (!m || m->vtable != &embedding_bag_vtable)
    return ct__error_null(CT_ERR_ARG, "ct_embedding_bag_forward: not an EmbeddingBag module");
  return ct_embedding_bag(input, ct_module_parameter(m, "weight"), offsets, BAG(m)->mode, per_sample_weights,
                          BAG(m)->include_last_offset, BAG(m)->padding_idx);
}

// nn.EmbeddingBag.__init__'s order: the padding_idx asserts, torch.empty, then
// reset_parameters: normal_(weight) and the padding row zeroed.
ct_module *ct_embedding_bag_new(int64_t num_embeddings, int64_t embedding_dim, ct_embedding_bag_mode mode,
                                bool include_last_offset, int64_t padding_idx) {
  if (padding_idx != CT_NO_PADDING_IDX && (padding_idx >= num_embeddings || padding_idx < -num_embeddings) &&
      padding_idx != 0)
    return ct__error_null(CT_ERR_ARG, "padding_idx must be within num_embeddings");
  if (padding_idx != CT_NO_PADDING_IDX && padding_idx < 0) padding_idx += num_embeddings;
  if (num_embeddings < 0 || embedding_dim < 0)
    return ct__error_null(CT_ERR_ARG, "Trying to create tensor with negative dimension %lld: [%lld, %lld]",
                          (long long)(num_embeddings < 0 ? num_embeddings : embedding_dim), (long long)num_embeddings,
                          (long long)embedding_dim);
  embedding_bag_module *m = ct_module_new(sizeof *m, &embedding_bag_vtable);
  if (!m) return NULL;
  m->num_embeddings = num_embeddings;
  m->embedding_dim = embedding_dim;
  m->padding_idx = padding_idx;
  m->mode = mode;
  m->include_last_offset = include_last_offset;
  ct_scope *s = ct_scope_open();
  ct_tensor *w = s ? ct_module_register_parameter(&m->base, "weight",
                                                  ct_zeros(2, (int64_t[]){num_embeddings, embedding_dim}, CT_FLOAT32))
                   : NULL;
  bool ok = w && ct_init_embedding_reset_(w, padding_idx) == CT_OK;
  if (s) ct_scope_close(s);
  if (!ok) {
    ct_module_free(&m->base);
    return NULL;
  }
  return &m->base;
}
