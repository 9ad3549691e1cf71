// Double backward of the fused recurrent layer (RnnLayerBackward under create_graph):
// the layer's forward for its direction is recomputed step by step from public
// differentiable ops (PyTorch's gate order: LSTM i, f, g, o; GRU r, z, n), then BPTT is
// written with public ops on those recorded activations, so every gradient it returns
// carries history back to x, the states, the weights, the biases and the incoming
// gradient. The fused path (rnn_layer.c) is untouched.
#include <stdlib.h>
#include "core/error_impl.h"
#include "ctorch/autograd.h"
#include "ctorch/linalg.h"
#include "ctorch/ops.h"
#include "ctorch/reduce.h"
#include "ctorch/view.h"
#include "ops/rnn_recorded.h"

// What BPTT reads back from one recomputed step (bs rows).
typedef struct step_record {
  ct_tensor *h_prev, *c_prev; // the states the step read
  ct_tensor *h, *c;           // what it wrote (c: LSTM)
  ct_tensor *g0, *g1, *g2, *g3; // RNN: -; LSTM: i, f, g, o; GRU: r, z, n, W_hn h + b_hn
} step_record;

static ct_tensor *cols(ct_tensor *t, int64_t k, int64_t H) { return ct_narrow(t, 1, k * H, H); }
static ct_tensor *rows(ct_tensor *t, int64_t start, int64_t n) { return ct_narrow(t, 0, start, n); }
static ct_tensor *sigmoid_grad(ct_tensor *s) { return ct_mul(s, ct_rsub_scalar(s, 1)); }
static ct_tensor *tanh_grad(ct_tensor *t) { return ct_rsub_scalar(ct_mul(t, t), 1); }
// The bs rows a step wrote, then the rows of `old` it left alone (packed sequences).
static ct_tensor *merge_rows(ct_tensor *fresh, ct_tensor *old, int64_t bs, int64_t B) {
  return bs < B ? ct_cat((ct_tensor *[]){fresh, rows(old, bs, B - bs)}, 2, 0) : fresh;
}

// One forward step on bs rows: gi (bs, G) = x W_ih^T + b_ih already, h, c (B, H).
static void forward_step(const ct_rnn_recorded *r, ct_tensor *gi, int64_t bs, ct_tensor **h, ct_tensor **c,
                         step_record *s) {
  const int64_t H = r->hidden;
  s->h_prev = rows(*h, 0, bs);
  ct_tensor *gh = ct_mm(s->h_prev, ct_t(r->w_hh));
  if (r->b_hh) gh = ct_add(gh, r->b_hh);
  switch (r->mode) {
  case CT_RNN_MODE_LSTM: {
    ct_tensor *gates = ct_add(gi, gh);
    s->c_prev = rows(*c, 0, bs);
    s->g0 = ct_sigmoid(cols(gates, 0, H)), s->g1 = ct_sigmoid(cols(gates, 1, H));
    s->g2 = ct_tanh(cols(gates, 2, H)), s->g3 = ct_sigmoid(cols(gates, 3, H));
    s->c = ct_add(ct_mul(s->g1, s->c_prev), ct_mul(s->g0, s->g2));
    s->h = ct_mul(s->g3, ct_tanh(s->c));
    *c = merge_rows(s->c, *c, bs, r->batch);
    break;
  }
  case CT_RNN_MODE_GRU:
    s->g0 = ct_sigmoid(ct_add(cols(gi, 0, H), cols(gh, 0, H)));
    s->g1 = ct_sigmoid(ct_add(cols(gi, 1, H), cols(gh, 1, H)));
    s->g3 = cols(gh, 2, H);
    s->g2 = ct_tanh(ct_add(cols(gi, 2, H), ct_mul(s->g0, s->g3)));
    s->h = ct_add(ct_mul(ct_rsub_scalar(s->g1, 1), s->g2), ct_mul(s->g1, s->h_prev));
    break;
  default:
    s->h = r->mode == CT_RNN_MODE_RELU ? ct_relu(ct_add(gi, gh)) : ct_tanh(ct_add(gi, gh));
  }
  *h = merge_rows(s->h, *h, bs, r->batch);
}

// One BPTT step: dh (bs, H) is the step's output gradient plus the carried one, dc (bs, H)
// the carried cell gradient (LSTM). Sets the gate gradients and the previous states'.
static void backward_step(const ct_rnn_recorded *r, const step_record *s, ct_tensor *dh, ct_tensor *dc,
                          ct_tensor **dgi, ct_tensor **dgh, ct_tensor **dh_prev, ct_tensor **dc_prev) {
  switch (r->mode) {
  case CT_RNN_MODE_LSTM: {
    ct_tensor *tc = ct_tanh(s->c);
    ct_tensor *dct = ct_add(dc, ct_mul(ct_mul(dh, s->g3), tanh_grad(tc)));
    ct_tensor *d[4] = {ct_mul(ct_mul(dct, s->g2), sigmoid_grad(s->g0)),
                       ct_mul(ct_mul(dct, s->c_prev), sigmoid_grad(s->g1)),
                       ct_mul(ct_mul(dct, s->g0), tanh_grad(s->g2)),
                       ct_mul(ct_mul(dh, tc), sigmoid_grad(s->g3))};
    *dgi = *dgh = ct_cat(d, 4, 1);
    *dc_prev = ct_mul(dct, s->g1);
    *dh_prev = ct_mm(*dgh, r->w_hh);
    break;
  }
  case CT_RNN_MODE_GRU: {
    ct_tensor *dn = ct_mul(ct_mul(dh, ct_rsub_scalar(s->g1, 1)), tanh_grad(s->g2));
    ct_tensor *dr = ct_mul(ct_mul(dn, s->g3), sigmoid_grad(s->g0));
    ct_tensor *dz = ct_mul(ct_mul(dh, ct_sub(s->h_prev, s->g2)), sigmoid_grad(s->g1));
    *dgi = ct_cat((ct_tensor *[]){dr, dz, dn}, 3, 1);
    *dgh = ct_cat((ct_tensor *[]){dr, dz, ct_mul(dn, s->g0)}, 3, 1);
    *dh_prev = ct_add(ct_mm(*dgh, r->w_hh), ct_mul(dh, s->g1));
    break;
  }
  default: // relu's derivative: sign(relu(a)), 0 or 1, whose own derivative is zero
    *dgi = *dgh = ct_mul(dh, r->mode == CT_RNN_MODE_RELU ? ct_sign(s->h) : tanh_grad(s->h));
    *dh_prev = ct_mm(*dgh, r->w_hh);
  }
}

ct_status ct__rnn_layer_backward_recorded(const ct_rnn_recorded *r, ct_tensor *grad, ct_tensor **grad_in) {
  const int64_t T = r->steps, N = ct_shape(r->x)[0], B = r->batch;
  const bool lstm = r->mode == CT_RNN_MODE_LSTM;
  step_record *rec = calloc((size_t)T, sizeof *rec);
  ct_tensor **dgi = calloc((size_t)(3 * T), sizeof *dgi), **dgh = dgi + T, **hp = dgi + 2 * T;
  if (!rec || !dgi) {
    free(rec), free(dgi);
    return ct__error(CT_ERR_MEMORY, "rnn: out of memory in backward");
  }
  ct_tensor *gi = ct_mm(r->x, ct_t(r->w_ih));
  if (r->b_ih) gi = ct_add(gi, r->b_ih);
  ct_tensor *h = r->h0, *c = r->c0;
  for (int64_t i = 0; i < T; i++) {
    const int64_t t = r->reverse ? T - 1 - i : i, bs = r->plan[t];
    forward_step(r, rows(gi, r->plan[T + t], bs), bs, &h, &c, &rec[t]);
  }
  ct_tensor *dh = rows(grad, N, B), *dc = lstm ? rows(grad, N + B, B) : NULL;
  for (int64_t i = 0; i < T; i++) { // the forward order, backwards
    const int64_t t = r->reverse ? i : T - 1 - i, bs = r->plan[t];
    ct_tensor *dh_prev, *dc_prev = NULL;
    backward_step(r, &rec[t], ct_add(rows(dh, 0, bs), rows(grad, r->plan[T + t], bs)), lstm ? rows(dc, 0, bs) : NULL,
                  &dgi[t], &dgh[t], &dh_prev, &dc_prev);
    dh = merge_rows(dh_prev, dh, bs, B);
    if (lstm) dc = merge_rows(dc_prev, dc, bs, B);
    hp[t] = rec[t].h_prev;
  }
  free(rec);
  ct_tensor *dgi_all = ct_cat(dgi, (int)T, 0), *dgh_all = dgh[0] == dgi[0] ? dgi_all : ct_cat(dgh, (int)T, 0);
  ct_tensor *h_prev = ct_cat(hp, (int)T, 0);
  free(dgi);
  const bool *need = r->needed;
  if (need[0]) grad_in[0] = ct_mm(dgi_all, r->w_ih);
  if (need[1]) grad_in[1] = dh;
  if (need[2]) grad_in[2] = dc;
  if (need[3]) grad_in[3] = ct_mm(ct_t(dgi_all), r->x);
  if (need[4]) grad_in[4] = ct_mm(ct_t(dgh_all), h_prev);
  if (need[5]) grad_in[5] = ct_sum_dim(dgi_all, 0, false);
  if (need[6]) grad_in[6] = ct_sum_dim(dgh_all, 0, false);
  for (int i = 0; i < 7; i++)
    if (need[i] && !grad_in[i]) return ct_last_status();
  return CT_OK;
}
