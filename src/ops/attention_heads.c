// Multi-head attention's core as one op (attention_heads.h): the attention family's
// kernels read q, k and v as strided heads of the in-projection's outputs and write the
// output, and in backward the sources' gradients, in place. PyTorch runs contiguous
// copies, div, bmm, add, softmax, bmm and a transposing copy here, and in backward their
// gradients, the chunk's concatenation among them; the results are the same bits.
#include "ops/attention_heads.h"
#include "autograd/node.h"
#include "core/device.h"
#include "core/error_impl.h"
#include "core/operand.h"
#include "ctorch/creation.h"
#include "ctorch/index.h"
#include "ctorch/linalg.h"
#include "ctorch/ops.h"
#include "ctorch/reduce.h"
#include "ctorch/view.h"
#include "kernels/attention.h"
#include "kernels/dispatch.h"
#include <math.h>
#include <stdatomic.h>

static atomic_bool fusion_off;

void ct__attention_heads_enable(bool on) { atomic_store(&fusion_off, !on); }

// The node's arguments; saved: the weights (slot 0), the sources (1..), the mask (last,
// unless causal).
typedef struct heads_args {
  int8_t n_sources;
  int8_t source_of[3];
  int64_t column_of[3];
  int64_t embed_dim, value_dim, num_heads;
  bool batch_first, masked, causal;
} heads_args;

enum { SAVED_WEIGHTS = 0, SAVED_SOURCES = 1 };

ct_tensor *ct__causal_bias(int64_t tgt, int64_t src, ct_dtype dtype) {
  ct_tensor *cols = ct_unsqueeze(ct_arange(0, (double)src, 1, CT_INT64), 0);
  ct_tensor *rows = ct_unsqueeze(ct_arange(0, (double)tgt, 1, CT_INT64), 1);
  ct_tensor *future = ct_gt(cols, rows);
  return future ? ct_masked_fill(ct_zeros(2, (int64_t[]){tgt, src}, dtype), future, -INFINITY) : NULL;
}

// The width of role r's columns, and of each of its heads.
static int64_t role_width(int r, int64_t embed_dim, int64_t value_dim) {
  return r == 2 ? value_dim : embed_dim;
}

// The heads of `width` columns from col of t ([len, batch, width] or, batch_first,
// [batch, len, width]) as [batch, heads, len, width / heads].
static ct_operand heads_of(const ct_tensor *t, bool batch_first, int64_t col, int64_t width, int64_t heads) {
  const int len_dim = batch_first, batch_dim = !batch_first;
  const int64_t head_dim = width / heads;
  ct_operand op = ct__operand_as(
      t, 4, (int64_t[]){t->shape[batch_dim], heads, t->shape[len_dim], head_dim},
      (int64_t[]){t->strides[batch_dim], head_dim * t->strides[2], t->strides[len_dim], t->strides[2]});
  op.data += col * op.strides[3]; // the role's first column
  return op;
}

// The mask [1 or batch*heads, 1 or tgt, 1 or src] as [batch, heads, tgt, src].
static ct_operand mask_of(const ct_tensor *m, int64_t batch, int64_t heads) {
  const bool per_head = m->shape[0] != 1;
  const int64_t shape[4] = {batch, heads, m->shape[1], m->shape[2]};
  ct_operand op =
      ct__operand_as(m, 4, shape,
                     (int64_t[]){per_head ? heads * m->strides[0] : 0, per_head ? m->strides[0] : 0,
                                 m->shape[1] == 1 ? 0 : m->strides[1], m->shape[2] == 1 ? 0 : m->strides[2]});
  return op;
}

static bool broadcasts_to(int64_t have, int64_t want) { return have == want || have == 1; }

bool ct__attention_heads_fit(const ct__attention_heads_in *in) {
  const int64_t E = in->embed_dim, Ev = in->value_dim ? in->value_dim : in->embed_dim, H = in->num_heads;
  if (atomic_load_explicit(&fusion_off, memory_order_relaxed) || in->n_sources < 1 || in->n_sources > 3 ||
      H < 1 || E % H || Ev % H)
    return false;
  const ct_tensor *q = in->sources[in->source_of[0]];
  const ct_device device = q->storage->device;
  const ct_kernel_table *table = ct__kernels(device);
  if (!table || !table->attention) return false;
  // each source: float32 [len, batch, width] on q's device, its roles tiling its columns
  const int len_dim = in->batch_first, batch_dim = !in->batch_first;
  const int64_t batch = q->shape[batch_dim];
  for (int s = 0; s < in->n_sources; s++) {
    const ct_tensor *t = in->sources[s];
    if (t->dtype != CT_FLOAT32 || t->ndim != 3 || t->shape[batch_dim] != batch ||
        t->storage->device != device)
      return false;
    int64_t next_col = 0;
    for (int r = 0; r < 3; r++) {
      if (in->source_of[r] != s) continue;
      if (in->column_of[r] != next_col) return false;
      next_col += role_width(r, E, Ev);
    }
    if (next_col != t->shape[2]) return false;
  }
  const ct_tensor *k = in->sources[in->source_of[1]], *v = in->sources[in->source_of[2]];
  const int64_t tgt = q->shape[len_dim], src = k->shape[len_dim];
  if (v->shape[len_dim] != src) return false;
  const ct_tensor *m = in->mask;
  if (m && (m->dtype != CT_FLOAT32 || m->ndim != 3 || m->requires_grad || m->storage->device != device ||
            !broadcasts_to(m->shape[0], batch * H) || !broadcasts_to(m->shape[1], tgt) ||
            !broadcasts_to(m->shape[2], src)))
    return false;
  if (SAVED_SOURCES + in->n_sources + (m && !in->causal) > CT_NODE_MAX_SAVED) return false;
  return table->attention->fits(CT_FLOAT32, tgt, src, E / H, Ev / H);
}

// The composed ops' view of role r: [batch * heads, len, head_dim].
static ct_tensor *composed_heads(ct_tensor *source, int r, int64_t col, const heads_args *a) {
  const int len_dim = a->batch_first, batch_dim = !a->batch_first;
  const int64_t len = source->shape[len_dim], batch = source->shape[batch_dim], H = a->num_heads;
  const int64_t width = role_width(r, a->embed_dim, a->value_dim), hd = width / H;
  ct_tensor *x = ct_contiguous(ct_narrow(source, 2, col, width));
  if (a->batch_first) // [batch, len, H, hd] -> [batch, H, len, hd]
    return ct_reshape(ct_transpose(ct_view(x, 4, (int64_t[]){batch, len, H, hd}), 1, 2), 3,
                      (int64_t[]){batch * H, len, hd});
  return ct_transpose(ct_view(x, 3, (int64_t[]){len, batch * H, hd}), 0, 1);
}

// [batch * heads, len, head_dim] back to a source's layout.
static ct_tensor *joined_heads(ct_tensor *x, int64_t batch, const heads_args *a) {
  if (!x) return NULL;
  const int64_t H = a->num_heads, len = x->shape[1], width = H * x->shape[2];
  if (a->batch_first)
    return ct_reshape(ct_transpose(ct_view(x, 4, (int64_t[]){batch, H, len, x->shape[2]}), 1, 2), 3,
                      (int64_t[]){batch, len, width});
  return ct_reshape(ct_transpose(x, 0, 1), 3, (int64_t[]){len, batch, width});
}

// create_graph: the composed forward recomputed from the saved sources and its gradient
// formulas, all recorded ops, so that the gradients can be differentiated again.
CT_CREATE_GRAPH_PATH static ct_status heads_backward_recorded(ct_node *node, ct_tensor *grad,
                                                              ct_tensor **grad_in) {
  const heads_args a = *ct__node_args(node, heads_args);
  ct_tensor *sources[3] = {NULL, NULL, NULL}, *mask = NULL;
  for (int s = 0; s < a.n_sources; s++)
    if (!(sources[s] = ct__saved(node, SAVED_SOURCES + s))) return ct_last_status();
  ct_tensor *h[3];
  for (int r = 0; r < 3; r++)
    h[r] = composed_heads(sources[a.source_of[r]], r, a.column_of[r], &a);
  if (!h[0] || !h[1] || !h[2]) return ct_last_status();
  if (a.causal && !(mask = ct__causal_bias(h[0]->shape[1], h[1]->shape[1], CT_FLOAT32)))
    return ct_last_status();
  if (a.masked && !a.causal && !(mask = ct__saved(node, SAVED_SOURCES + a.n_sources)))
    return ct_last_status();
  const int64_t batch = sources[0]->shape[!a.batch_first];
  const double scale = sqrt((double)(a.embed_dim / a.num_heads));
  ct_tensor *qs = ct_div_scalar(h[0], scale);
  ct_tensor *scores = ct_bmm(qs, ct_transpose(h[1], 1, 2));
  if (mask) scores = ct_add(mask, scores);
  ct_tensor *w = ct_softmax(scores, -1);
  ct_tensor *g = composed_heads(grad, 2, 0, &a);
  ct_tensor *dw = ct_bmm(g, ct_transpose(h[2], 1, 2));
  ct_tensor *ds = ct_mul(w, ct_sub(dw, ct_sum_dim(ct_mul(dw, w), -1, true)));
  ct_tensor *d[3] = {ct_div_scalar(ct_bmm(ds, h[1]), scale),
                     ct_transpose(ct_bmm(ct_transpose(qs, 1, 2), ds), 1, 2),
                     ct_bmm(ct_transpose(w, 1, 2), g)};
  for (int s = 0; s < a.n_sources; s++) {
    if (!node->next[s]) continue;
    ct_tensor *pieces[3];
    int n = 0;
    for (int r = 0; r < 3; r++)
      if (a.source_of[r] == s) pieces[n++] = joined_heads(d[r], batch, &a);
    if (!(grad_in[s] = n == 1 ? pieces[0] : ct_cat(pieces, n, 2))) return ct_last_status();
  }
  return CT_OK;
}

static ct_status heads_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (ct__create_graph()) return heads_backward_recorded(node, grad, grad_in);
  const heads_args a = *ct__node_args(node, heads_args);
  ct_tensor *weights = ct__saved(node, SAVED_WEIGHTS), *sources[3], *grads[3];
  if (!weights) return ct_last_status();
  for (int s = 0; s < a.n_sources; s++) {
    if (!(sources[s] = ct__saved(node, SAVED_SOURCES + s))) return ct_last_status();
    if (!(grads[s] = ct__alloc(CT_FLOAT32, 3, sources[s]->shape))) return ct_last_status();
  }
  const int64_t H = a.num_heads;
  ct_attention_args args = {.weights = ct__operand(weights),
                            .scale = sqrt((double)(a.embed_dim / H)),
                            .grad_out = heads_of(grad, a.batch_first, 0, a.value_dim, H)};
  ct_operand *role[3] = {&args.q, &args.k, &args.v},
             *role_grad[3] = {&args.grad_q, &args.grad_k, &args.grad_v};
  for (int r = 0; r < 3; r++) {
    const int64_t width = role_width(r, a.embed_dim, a.value_dim);
    *role[r] = heads_of(sources[a.source_of[r]], a.batch_first, a.column_of[r], width, H);
    *role_grad[r] = heads_of(grads[a.source_of[r]], a.batch_first, a.column_of[r], width, H);
  }
  if (!ct__kernels(weights->storage->device)->attention->backward[CT_FLOAT32](&args))
    return ct__error(CT_ERR_MEMORY, "out of memory in %s", node->name);
  for (int s = 0; s < a.n_sources; s++) {
    if (node->next[s])
      grad_in[s] = grads[s];
    else
      ct__drop(grads[s]);
  }
  return CT_OK;
}

ct_tensor *ct__attention_heads(const ct__attention_heads_in *in) {
  ct_tensor *q = in->sources[in->source_of[0]], *k = in->sources[in->source_of[1]];
  if (ct__check_device(q) != CT_OK) return NULL;
  const int len_dim = in->batch_first, batch_dim = !in->batch_first;
  const int64_t tgt = q->shape[len_dim], batch = q->shape[batch_dim], src = k->shape[len_dim];
  const int64_t E = in->embed_dim, Ev = in->value_dim ? in->value_dim : E, H = in->num_heads;
  ct_tensor *out =
      ct__alloc(CT_FLOAT32, 3, in->batch_first ? (int64_t[]){batch, tgt, Ev} : (int64_t[]){tgt, batch, Ev});
  ct_tensor *weights = ct__alloc(CT_FLOAT32, 4, (int64_t[]){batch, H, tgt, src});
  if (!out || !weights) {
    ct__drop(out);
    ct__drop(weights);
    return NULL;
  }
  ct_attention_args args = {.weights = ct__operand(weights),
                            .scale = sqrt((double)(E / H)),
                            .out = heads_of(out, in->batch_first, 0, Ev, H)};
  ct_operand *role[3] = {&args.q, &args.k, &args.v};
  for (int r = 0; r < 3; r++)
    *role[r] =
        heads_of(in->sources[in->source_of[r]], in->batch_first, in->column_of[r], role_width(r, E, Ev), H);
  if (in->mask) args.mask = mask_of(in->mask, batch, H);
  if (!ct__kernels(q->storage->device)->attention->forward[CT_FLOAT32](&args)) {
    ct__drop(out);
    ct__drop(weights);
    return ct__error_null(CT_ERR_MEMORY, "out of memory in multi-head attention");
  }
  ct_tensor *saved[CT_NODE_MAX_SAVED] = {weights};
  for (int s = 0; s < in->n_sources; s++)
    saved[SAVED_SOURCES + s] = in->sources[s];
  int n_saved = SAVED_SOURCES + in->n_sources;
  if (in->mask && !in->causal) saved[n_saved++] = in->mask;
  ct_node *node = NULL;
  if (ct__record(out, "MultiheadAttentionCoreBackward", heads_backward, in->n_sources, in->sources, n_saved,
                 saved, &node) != CT_OK) {
    ct__drop(out);
    ct__drop(weights);
    return NULL;
  }
  if (node) {
    heads_args *a = ct__node_args(node, heads_args);
    *a = (heads_args){.n_sources = (int8_t)in->n_sources,
                      .embed_dim = E,
                      .value_dim = Ev,
                      .num_heads = H,
                      .batch_first = in->batch_first,
                      .masked = in->mask != NULL,
                      .causal = in->causal};
    for (int r = 0; r < 3; r++)
      a->source_of[r] = (int8_t)in->source_of[r], a->column_of[r] = in->column_of[r];
  }
  ct__drop(weights);
  return out;
}
