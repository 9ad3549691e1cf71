// One recurrent layer in one direction, fused: the input projections of every step in
// one GEMM, then per step one GEMM for the hidden projection and one call of the rnn
// kernel family for the gates. Backward (BPTT) walks the steps the other way with one
// kernel call and one product per step, then forms the weight, bias and input gradients
// with one product each over all steps.
//
// The node's one output is (N + B [+ B], H): the per-step outputs, then h_n, then c_n
// (LSTM); the layer hands out views of its three parts, so one node serves them all.
#include "autograd/node.h"
#include "core/device.h"
#include "core/error_impl.h"
#include "ctorch/autograd.h"
#include "ctorch/linalg.h"
#include "ctorch/reduce.h"
#include "ctorch/scope.h"
#include "ctorch/view.h"
#include "kernels/blas.h"
#include "kernels/dispatch.h"
#include "ops/rnn_internal.h"
#include "ops/rnn_recorded.h"
#include <stdlib.h>
#include <string.h>

enum { SAVED_X, SAVED_W_IH, SAVED_W_HH, SAVED_WORK };
enum { IN_X, IN_H0, IN_C0, IN_W_IH, IN_W_HH, IN_B_IH, IN_B_HH, N_INPUTS };
// The tensors only the create_graph path reads, saved by a second node the layer's node
// owns (extra->copy_fn; a node keeps at most 4): never run, only ct__saved from.
enum { STATE_H0, STATE_C0, STATE_B_IH, STATE_B_HH };

typedef struct rnn_layer_args {
  ct_rnn_mode mode;
  bool reverse;
  int64_t steps, batch, rows, hidden;
  const int64_t *plan; // owned by the node: batch_sizes[steps], then row offsets[steps]
} rnn_layer_args;

/// Column where a saved row keeps the previous h (see kernels/rnn.h).
static int64_t prev_h_column(ct_rnn_mode mode, int64_t H) {
  return mode == CT_RNN_MODE_LSTM ? 5 * H : mode == CT_RNN_MODE_GRU ? 4 * H : H;
}

static ct_tensor *dense(ct_tensor *t) { return t ? ct_contiguous(t) : NULL; }

/// c (m × n, row stride ldc) = a (m × k, row stride k) @ b, b given by its strides.
static void gemm(const ct_kernel_table *k, ct_dtype dtype, int64_t m, int64_t n, int64_t kk, const void *a,
                 const void *b, int64_t b_rs, int64_t b_cs, void *c, double beta) {
  const ct_gemm_args g = {.batch = 1,
                          .m = m,
                          .n = n,
                          .k = kk,
                          .a = a,
                          .a_rs = kk,
                          .a_cs = 1,
                          .b = b,
                          .b_rs = b_rs,
                          .b_cs = b_cs,
                          .c = c,
                          .c_rs = n,
                          .c_cs = 1,
                          .alpha = 1,
                          .beta = beta};
  k->blas->gemm[dtype](&g);
}

static ct_status rnn_state_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  (void)grad, (void)grad_in;
  return ct__error(CT_ERR_RUNTIME, "%s is not run by the engine", node->name);
}

// create_graph: recomputes the direction's forward and BPTT from recorded public ops.
CT_CREATE_GRAPH_PATH static ct_status rnn_layer_backward_recorded(ct_node *node, ct_tensor *grad,
                                                                  ct_tensor **grad_in) {
  const rnn_layer_args a = *ct__node_args(node, rnn_layer_args);
  ct_node *state = node->extra ? node->extra->copy_fn : NULL;
  if (!state) return ct__error(CT_ERR_RUNTIME, "RnnLayerBackward: its saved states are missing");
  ct_rnn_recorded r = {.mode = a.mode,
                       .reverse = a.reverse,
                       .steps = a.steps,
                       .batch = a.batch,
                       .hidden = a.hidden,
                       .plan = a.plan};
  ct_tensor **got[] = {&r.x, &r.w_ih, &r.w_hh, &r.h0, &r.c0, &r.b_ih, &r.b_hh};
  for (int i = 0; i < 7; i++) {
    ct_node *from = i < 3 ? node : state;
    const int slot = i < 3 ? (int[]){SAVED_X, SAVED_W_IH, SAVED_W_HH}[i] : i - 3;
    if (from->saved[slot] && !(*got[i] = ct__saved(from, slot))) return ct_last_status();
  }
  for (int i = 0; i < N_INPUTS; i++)
    r.needed[i] = node->next[i] != NULL;
  return ct__rnn_layer_backward_recorded(&r, ct_contiguous(grad), grad_in);
}

static ct_status rnn_layer_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (ct__create_graph()) return rnn_layer_backward_recorded(node, grad, grad_in);
  ct_tensor *x = ct__saved(node, SAVED_X);
  ct_tensor *w_ih = x ? ct__saved(node, SAVED_W_IH) : NULL;
  ct_tensor *w_hh = w_ih ? ct__saved(node, SAVED_W_HH) : NULL;
  ct_tensor *work = w_hh ? ct__saved(node, SAVED_WORK) : NULL;
  if (!work) return ct_last_status();
  const rnn_layer_args a = *ct__node_args(node, rnn_layer_args);
  const int64_t H = a.hidden, G = ct_rnn_gates(a.mode) * H, B = a.batch, N = a.rows;
  const int64_t SW = ct_rnn_saved_width(a.mode, H);
  const bool lstm = a.mode == CT_RNN_MODE_LSTM, gru = a.mode == CT_RNN_MODE_GRU;
  const ct_dtype dt = x->dtype;
  const size_t es = ct_dtype_size(dt);
  ct_tensor *g = ct_contiguous(grad);
  ct_tensor *dh = ct_clone(ct_narrow(g, 0, N, B));
  ct_tensor *dc = lstm ? ct_clone(ct_narrow(g, 0, N + B, B)) : NULL;
  ct_tensor *dgi = ct__alloc(dt, 2, (int64_t[]){N, G});
  ct_tensor *dgh = gru ? ct__alloc(dt, 2, (int64_t[]){N, G}) : dgi;
  if (!dh || (lstm && !dc) || !dgi || !dgh) return ct_last_status();
  const ct_kernel_table *k = ct__kernels(x->storage->device);
  const ct_rnn_step_grad_fn step_backward = k->rnn->step_backward[dt];
  const ct_rnn_product_fn product = k->rnn->hidden_product[dt];
  const char *gd = ct__data(g), *wd = ct__data(work), *whh = ct__data(w_hh);
  char *dgid = ct__data(dgi), *dghd = ct__data(dgh);
  for (int64_t i = 0; i < a.steps; i++) { // the forward order, backwards
    const int64_t t = a.reverse ? i : a.steps - 1 - i, bs = a.plan[t], off = a.plan[a.steps + t];
    const ct_rnn_step_grad_args s = {.mode = a.mode,
                                     .rows = bs,
                                     .hidden = H,
                                     .saved = wd + off * SW * es,
                                     .ld_saved = SW,
                                     .dy = gd + off * H * es,
                                     .ld_dy = H,
                                     .dh = ct__data(dh),
                                     .dc = dc ? ct__data(dc) : NULL,
                                     .dgi = dgid + off * G * es,
                                     .dgh = dghd + off * G * es};
    step_backward(&s);
    // dh = dgh @ W_hh (GRU: dh +=); after the last step processed it would only be h0's
    // gradient. W_hh (G × H, row-major) is the product's B as it is.
    if (i + 1 < a.steps || node->next[IN_H0]) {
      if (product && !gru)
        product(&(ct_rnn_product_args){
            .m = bs, .n = H, .k = G, .a = s.dgh, .lda = G, .b = whh, .c = ct__data(dh), .ldc = H});
      else
        gemm(k, dt, bs, H, G, s.dgh, whh, H, 1, ct__data(dh), gru ? 1.0 : 0.0);
    }
  }
  if (node->next[IN_X]) grad_in[IN_X] = ct_mm(dgi, w_ih);
  grad_in[IN_H0] = node->next[IN_H0] ? dh : NULL;
  grad_in[IN_C0] = node->next[IN_C0] ? dc : NULL;
  if (node->next[IN_W_IH]) grad_in[IN_W_IH] = ct_mm(ct_t(dgi), x);
  if (node->next[IN_W_HH])
    grad_in[IN_W_HH] = ct_mm(ct_t(dgh), ct_narrow(work, 1, prev_h_column(a.mode, H), H));
  if (node->next[IN_B_IH]) grad_in[IN_B_IH] = ct_sum_dim(dgi, 0, false);
  if (node->next[IN_B_HH]) // the same sum as b_ih's but for GRU (a copy: two .grads never share storage)
    grad_in[IN_B_HH] =
        dgh == dgi && grad_in[IN_B_IH] ? ct_clone(grad_in[IN_B_IH]) : ct_sum_dim(dgh, 0, false);
  for (int i = 0; i < N_INPUTS; i++)
    if (node->next[i] && !grad_in[i]) return ct_last_status();
  return CT_OK;
}

// batch_sizes, then the row offset of each step, in one block for the node.
static int64_t *make_plan(const int64_t *batch_sizes, int64_t steps) {
  int64_t *plan = malloc((size_t)(2 * steps) * sizeof *plan);
  if (!plan) return ct__error_null(CT_ERR_MEMORY, "rnn: out of memory");
  for (int64_t t = 0, off = 0; t < steps; off += batch_sizes[t], t++)
    plan[t] = batch_sizes[t], plan[steps + t] = off;
  return plan;
}

// The forward pass in the current scope (grad mode off): fills the combined output and
// the saved rows.
static ct_status run_forward(ct_rnn_mode mode, ct_tensor *x, const int64_t *plan, int64_t steps,
                             ct_tensor *h0, ct_tensor *c0, const ct_rnn_weights *w, bool reverse,
                             ct_tensor *comb, ct_tensor *work) {
  const int64_t N = x->shape[0], B = h0->shape[0], H = h0->shape[1], G = ct_rnn_gates(mode) * H;
  const int64_t SW = ct_rnn_saved_width(mode, H);
  const ct_dtype dt = x->dtype;
  const size_t es = ct_dtype_size(dt);
  const ct_kernel_table *k = ct__kernels(x->storage->device);
  const ct_rnn_product_fn product = k->rnn->hidden_product[dt];
  ct_tensor *gi = ct_mm(x, ct_t(w->w_ih));
  // The hidden product's B: W_hh^T row-major for the rnn family's product, else W_hh.
  ct_tensor *whh = product ? ct_contiguous(ct_t(w->w_hh)) : dense(w->w_hh), *bih = dense(w->b_ih),
            *bhh = dense(w->b_hh);
  ct_tensor *gh = ct__alloc(dt, 2, (int64_t[]){B, G});
  if (!gi || !whh || (w->b_ih && !bih) || (w->b_hh && !bhh) || !gh ||
      ct_copy_(ct_narrow(comb, 0, N, B), h0) != CT_OK ||
      (c0 && ct_copy_(ct_narrow(comb, 0, N + B, B), c0) != CT_OK))
    return ct_last_status();
  const ct_rnn_step_fn step = k->rnn->step[dt];
  char *cd = ct__data(comb), *h = cd + N * H * es, *wd = ct__data(work);
  for (int64_t i = 0; i < steps; i++) {
    const int64_t t = reverse ? steps - 1 - i : i, bs = plan[t], off = plan[steps + t];
    if (product) // gh = h @ W_hh^T
      product(&(ct_rnn_product_args){
          .m = bs, .n = G, .k = H, .a = h, .lda = H, .b = ct__data(whh), .c = ct__data(gh), .ldc = G});
    else
      gemm(k, dt, bs, G, H, h, ct__data(whh), 1, H, ct__data(gh), 0.0);
    const ct_rnn_step_args s = {.mode = mode,
                                .rows = bs,
                                .hidden = H,
                                .gi = ct__data(gi) + off * G * es,
                                .ld_gi = G,
                                .gh = ct__data(gh),
                                .b_ih = bih ? ct__data(bih) : NULL,
                                .b_hh = bhh ? ct__data(bhh) : NULL,
                                .h = h,
                                .c = c0 ? h + B * H * es : NULL,
                                .y = cd + off * H * es,
                                .ld_y = H,
                                .saved = wd + off * SW * es,
                                .ld_saved = SW};
    step(&s);
  }
  return CT_OK;
}

// ATen's check_attributes (RNN.cpp): states and parameters on the input's device, then
// that device's backend.
static ct_status check_devices(ct_tensor *x, ct_tensor *h0, ct_tensor *c0, const ct_rnn_weights *w) {
  const ct_storage *d = x->storage;
  const ct_tensor *const hidden[2] = {h0, c0}, *const params[4] = {w->w_ih, w->w_hh, w->b_ih, w->b_hh};
  for (int i = 0; i < 6; i++) {
    const ct_tensor *t = i < 2 ? hidden[i] : params[i - 2];
    const char *name = i < 2 ? "hidden" : "parameter";
    if (t && !ct__same_place(t->storage, d))
      return ct__error(CT_ERR_RUNTIME,
                       "Input and %s tensors are not at the same device, found input tensor at %s "
                       "and %s tensor at %s",
                       name, ct__storage_device(d).s, name, ct__storage_device(t->storage).s);
  }
  return ct__check_device(x);
}

// The state node (see STATE_*): recorded on a throwaway alias with the layer node's
// inputs, so that ct__saved hands its tensors back with their history.
static ct_status record_state(ct_node *node, ct_tensor *comb, ct_tensor *x, ct_tensor *h0, ct_tensor *c0,
                              const ct_rnn_weights *w) {
  ct_tensor *anchor = ct__alias(comb);
  ct_node *state = NULL;
  if (!anchor || !ct__node_extra_of(node)) return ct_last_status();
  ct_status st = ct__record(anchor, "RnnLayerState", rnn_state_backward, N_INPUTS,
                            (ct_tensor *[]){x, h0, c0, w->w_ih, w->w_hh, w->b_ih, w->b_hh}, 4,
                            (ct_tensor *[]){h0, c0, w->b_ih, w->b_hh}, &state);
  if (st == CT_OK && state) node->extra->copy_fn = ct__node_retain(state);
  return st;
}

static ct_status layer_in_scope(ct_rnn_mode mode, ct_tensor *x, const int64_t *batch_sizes, int64_t steps,
                                ct_tensor *h0, ct_tensor *c0, const ct_rnn_weights *w, bool reverse,
                                ct_rnn_layer_out *out) {
  const bool lstm = mode == CT_RNN_MODE_LSTM;
  if (check_devices(x, h0, lstm ? c0 : NULL, w) != CT_OK) return ct_last_status();
  const int64_t N = x->shape[0], B = h0->shape[0], H = h0->shape[1];
  ct_tensor *comb = ct__alloc(x->dtype, 2, (int64_t[]){N + (lstm ? 2 : 1) * B, H});
  ct_tensor *work = ct__alloc(x->dtype, 2, (int64_t[]){N, ct_rnn_saved_width(mode, H)});
  int64_t *plan = make_plan(batch_sizes, steps);
  if (!comb || !work || !plan) {
    free(plan);
    return ct_last_status();
  }
  const bool prev = ct_no_grad_enter();
  ct_status st = run_forward(mode, dense(x), plan, steps, h0, lstm ? c0 : NULL, w, reverse, comb, work);
  ct_grad_mode_restore(prev);
  ct_node *node = NULL;
  if (st == CT_OK)
    st = ct__record(comb, "RnnLayerBackward", rnn_layer_backward, N_INPUTS,
                    (ct_tensor *[]){x, h0, lstm ? c0 : NULL, w->w_ih, w->w_hh, w->b_ih, w->b_hh}, 4,
                    (ct_tensor *[]){x, w->w_ih, w->w_hh, work}, &node);
  if (st == CT_OK && node) st = record_state(node, comb, x, h0, lstm ? c0 : NULL, w);
  if (st != CT_OK || !node) {
    free(plan);
  } else {
    *ct__node_args(node, rnn_layer_args) = (rnn_layer_args){.mode = mode,
                                                            .reverse = reverse,
                                                            .steps = steps,
                                                            .batch = B,
                                                            .rows = N,
                                                            .hidden = H,
                                                            .plan = ct__node_adopt(node, plan)};
  }
  if (st != CT_OK) return st;
  out->output = ct_narrow(comb, 0, 0, N);
  out->h_n = ct_narrow(comb, 0, N, B);
  out->c_n = lstm ? ct_narrow(comb, 0, N + B, B) : NULL;
  return out->output && out->h_n && (!lstm || out->c_n) ? CT_OK : ct_last_status();
}

ct_status ct__rnn_layer(ct_rnn_mode mode, ct_tensor *x, const int64_t *batch_sizes, int64_t steps,
                        ct_tensor *h0, ct_tensor *c0, const ct_rnn_weights *w, bool reverse,
                        ct_rnn_layer_out *out) {
  *out = (ct_rnn_layer_out){0};
  ct_scope *s = ct_scope_open();
  if (!s) return ct_last_status();
  ct_rnn_layer_out r = {0};
  ct_status st = layer_in_scope(mode, x, batch_sizes, steps, h0, c0, w, reverse, &r);
  ct_tensor *keep[3] = {r.output, r.h_n, r.c_n};
  if (st == CT_OK)
    st = ct__close_keeping(s, keep, 3);
  else
    ct_scope_close(s);
  if (st == CT_OK) *out = (ct_rnn_layer_out){keep[0], keep[1], keep[2]};
  return st;
}
