// nn.RNN, nn.LSTM, nn.GRU (torch/nn/modules/rnn.py, RNNBase and its forward): argument
// checks and texts in PyTorch's order, parameters in its registration order, and the
// layer stack of ATen's RNN.cpp: each layer and direction is one fused op
// (ops/rnn_layer.c) over time-major packed rows, directions joined with cat, dropout
// between layers, final states stacked.
#include "core/error_impl.h"
#include "core/tensor_impl.h"
#include "ctorch/creation.h"
#include "ctorch/index.h"
#include "ctorch/ops.h"
#include "ctorch/print.h"
#include "ctorch/random.h"
#include "ctorch/scope.h"
#include "ctorch/view.h"
#include "nn/module_impl.h"
#include "nn/rnn_internal.h"
#include <stdio.h>
#include <stdlib.h>
#include "ctorch/device.h"

typedef struct rnn_module {
  ct_module base;
  ct_rnn_mode mode;
  int64_t input_size, hidden_size;
  ct_rnn_options o;
  ct_rnn_weights *layers; // num_layers * directions, borrowed from the registry
} rnn_module;

static const char *class_name(ct_rnn_mode mode) {
  return mode == CT_RNN_MODE_LSTM ? "LSTM" : mode == CT_RNN_MODE_GRU ? "GRU" : "RNN";
}
static int64_t directions(const rnn_module *m) { return m->o.bidirectional ? 2 : 1; }

// ---- the layer stack over packed rows ----

// F.dropout as ATen's _dropout_impl: noise = bernoulli(1-p) over an empty tensor like
// x, divided by 1-p; x * 0 for p == 1.
static ct_tensor *layer_dropout(ct_tensor *x, double p) {
  if (p == 1) return ct_mul_scalar(x, 0.0);
  ct_tensor *noise = ct_bernoulli_(ct_new_empty(x, x->ndim, x->shape, x->dtype), 1 - p);
  return ct_mul(x, ct_div_scalar(noise, 1 - p));
}

typedef struct stack_result {
  ct_tensor *output, *h_n, *c_n;
} stack_result;

// x (N, input_size) time-major packed rows, h0/c0 (L*D, B, H) in sorted batch order.
static ct_status run_stack(rnn_module *m, ct_tensor *x, const int64_t *bs, int64_t steps, ct_tensor *h0,
                           ct_tensor *c0, stack_result *r) {
  const int64_t D = directions(m), L = m->o.num_layers;
  const bool lstm = m->mode == CT_RNN_MODE_LSTM;
  ct_tensor **states = calloc((size_t)(2 * L * D), sizeof *states);
  if (!states) return ct__error(CT_ERR_MEMORY, "%s: out of memory", class_name(m->mode));
  for (int64_t l = 0; l < L && x; l++) {
    ct_tensor *outs[2] = {NULL, NULL};
    for (int64_t d = 0; d < D; d++) {
      const int64_t i = l * D + d;
      ct_rnn_layer_out o;
      if (ct__rnn_layer(m->mode, x, bs, steps, ct_select(h0, 0, i), lstm ? ct_select(c0, 0, i) : NULL,
                        &m->layers[i], d == 1, &o) != CT_OK)
        break;
      outs[d] = o.output, states[i] = o.h_n, states[L * D + i] = o.c_n;
    }
    x = D == 2 ? ct_cat(outs, 2, 1) : outs[0];
    if (x && m->o.dropout > 0 && m->base.training && l < L - 1) x = layer_dropout(x, m->o.dropout);
  }
  if (x) {
    r->output = x;
    r->h_n = ct_stack(states, (int)(L * D), 0);
    r->c_n = lstm ? ct_stack(states + L * D, (int)(L * D), 0) : NULL;
  }
  free(states);
  return x && r->h_n && (!lstm || r->c_n) ? CT_OK : ct_last_status();
}

// ---- checks (RNNBase.check_forward_args and the forwards' rank checks) ----

static ct_status check_input(const rnn_module *m, const ct_tensor *x, int want_dim) {
  if (x->ndim != want_dim)
    return ct__error(CT_ERR_RUNTIME, "input must have %d dimensions, got %d", want_dim, x->ndim);
  if (x->shape[x->ndim - 1] != m->input_size)
    return ct__error(CT_ERR_RUNTIME, "input.size(-1) must be equal to input_size. Expected %lld, got %lld",
                     (long long)m->input_size, (long long)x->shape[x->ndim - 1]);
  return ct__rnn_check_dtype(x, m->layers[0].w_ih->dtype, true);
}

static ct_status check_hidden(const rnn_module *m, const ct_tensor *h, int64_t batch, const char *which) {
  const int64_t want[3] = {m->o.num_layers * directions(m), batch, m->hidden_size};
  if (h->ndim != 3 || h->shape[0] != want[0] || h->shape[1] != want[1] || h->shape[2] != want[2]) {
    char got[256];
    ct__shape_to_str(h->ndim, h->shape, got, sizeof got);
    return ct__error(CT_ERR_RUNTIME, "Expected hidden%s size (%lld, %lld, %lld), got %s", which,
                     (long long)want[0], (long long)want[1], (long long)want[2], got);
  }
  return ct__rnn_check_dtype(h, m->layers[0].w_ih->dtype, false);
}

static ct_status check_states(const rnn_module *m, const ct_tensor *h0, const ct_tensor *c0, int64_t batch) {
  if (m->mode != CT_RNN_MODE_LSTM) return check_hidden(m, h0, batch, "");
  if (check_hidden(m, h0, batch, "[0]") != CT_OK) return ct_last_status();
  return check_hidden(m, c0, batch, "[1]");
}

// The forwards' rank rule for given states: as many dims as the (batched or not) input.
static ct_status check_state_ranks(const rnn_module *m, const ct_tensor *h0, const ct_tensor *c0,
                                   bool batched) {
  const int want = batched ? 3 : 2;
  const char *kind = batched ? "batched 3-D" : "unbatched 2-D";
  if (m->mode == CT_RNN_MODE_LSTM && (h0->ndim != want || c0->ndim != want))
    return ct__error(CT_ERR_RUNTIME,
                     "For %s input, hx and cx should also be %d-D but got (%d-D, %d-D) tensors", kind, want,
                     h0->ndim, c0->ndim);
  if (m->mode != CT_RNN_MODE_LSTM && h0->ndim != want)
    return ct__error(CT_ERR_RUNTIME, "For %s input, hx should also be %d-D but got %d-D tensor", kind, want,
                     h0->ndim);
  return CT_OK;
}

static rnn_module *as_rnn(ct_module *m);

static ct_status start(ct_module *module, ct_tensor *h0, ct_tensor *c0, ct_rnn_output *out, rnn_module **m) {
  if (!out) return ct__error(CT_ERR_ARG, "rnn forward: out is NULL");
  *out = (ct_rnn_output){0};
  if (!(*m = as_rnn(module))) return ct_last_status();
  if ((*m)->mode == CT_RNN_MODE_LSTM && !h0 != !c0)
    return ct__error(CT_ERR_ARG, "LSTM: give both h0 and c0, or neither");
  return CT_OK;
}

static ct_tensor *zero_states(const rnn_module *m, int64_t batch) {
  const int64_t shape[3] = {m->o.num_layers * directions(m), batch, m->hidden_size};
  return ct_new_zeros(m->layers[0].w_ih, 3, shape, m->layers[0].w_ih->dtype);
}

// The padded-input forward in the current scope.
static ct_status forward_padded(rnn_module *m, ct_tensor *input, ct_tensor *h0, ct_tensor *c0,
                                ct_rnn_output *out) {
  const bool batched = input->ndim == 3, lstm = m->mode == CT_RNN_MODE_LSTM, bf = m->o.batch_first;
  ct_tensor *x = batched ? input : ct_unsqueeze(input, bf ? 0 : 1);
  if (!x) return ct_last_status();
  if (h0 && check_state_ranks(m, h0, c0, batched) != CT_OK) return ct_last_status();
  if (h0 && !batched) h0 = ct_unsqueeze(h0, 1), c0 = lstm ? ct_unsqueeze(c0, 1) : NULL;
  if (check_input(m, x, 3) != CT_OK) return ct_last_status();
  const int64_t B = x->shape[bf ? 0 : 1], steps = x->shape[bf ? 1 : 0];
  if (!h0) h0 = zero_states(m, B), c0 = lstm ? zero_states(m, B) : NULL;
  if (!h0 || (lstm && !c0) || check_states(m, h0, c0, B) != CT_OK) return ct_last_status();
  if (steps == 0) return ct__error(CT_ERR_RUNTIME, "Expected sequence length to be larger than 0 in RNN");
  if (B == 0) return ct__error(CT_ERR_RUNTIME, "%s: the batch is empty", class_name(m->mode));
  int64_t *bs = malloc((size_t)steps * sizeof *bs);
  if (!bs) return ct__error(CT_ERR_MEMORY, "%s: out of memory", class_name(m->mode));
  for (int64_t t = 0; t < steps; t++)
    bs[t] = B;
  ct_tensor *rows = ct_reshape(bf ? ct_transpose(x, 0, 1) : x, 2, (int64_t[]){steps * B, m->input_size});
  stack_result r = {0};
  ct_status st = rows ? run_stack(m, rows, bs, steps, h0, c0, &r) : ct_last_status();
  free(bs);
  if (st != CT_OK) return st;
  ct_tensor *y = ct_view(r.output, 3, (int64_t[]){steps, B, r.output->shape[1]});
  if (bf) y = ct_transpose(y, 0, 1);
  if (!batched) {
    y = ct_squeeze_dim(y, bf ? 0 : 1);
    r.h_n = ct_squeeze_dim(r.h_n, 1);
    r.c_n = lstm ? ct_squeeze_dim(r.c_n, 1) : NULL;
  }
  *out = (ct_rnn_output){.output = y, .h_n = r.h_n, .c_n = r.c_n};
  return y && r.h_n && (!lstm || r.c_n) ? CT_OK : ct_last_status();
}

// Closes s, handing out's tensors to the caller's scope (all or nothing).
static ct_status finish(ct_scope *s, ct_status st, ct_rnn_output *out) {
  ct_tensor *keep[7] = {out->output,
                        out->h_n,
                        out->c_n,
                        out->packed.data,
                        out->packed.batch_sizes,
                        out->packed.sorted_indices,
                        out->packed.unsorted_indices};
  *out = (ct_rnn_output){0};
  if (st != CT_OK) {
    ct_scope_close(s);
    return st;
  }
  if ((st = ct__close_keeping(s, keep, 7)) != CT_OK) return st;
  *out = (ct_rnn_output){
      .output = keep[0], .h_n = keep[1], .c_n = keep[2], .packed = {keep[3], keep[4], keep[5], keep[6]}};
  return CT_OK;
}

ct_status ct_rnn_forward(ct_module *module, ct_tensor *input, ct_tensor *h0, ct_tensor *c0,
                         ct_rnn_output *out) {
  rnn_module *m = NULL;
  if (start(module, h0, c0, out, &m) != CT_OK) return ct_last_status();
  if (!input) return ct__null_tensor_status("rnn forward");
  ct_scope *s = ct_scope_open();
  if (!s) return ct_last_status();
  return finish(s, forward_padded(m, input, h0, c0, out), out);
}

// Batch sizes of a packed sequence: positive, non-increasing, adding up to its rows.
static ct_status read_batch_sizes(const ct_packed_sequence *p, int64_t *bs, int64_t steps) {
  if (ct__rnn_read_int64s(p->batch_sizes, steps, bs) != CT_OK) return ct_last_status();
  int64_t total = 0;
  for (int64_t t = 0; t < steps; t++) {
    if (bs[t] <= 0 || (t && bs[t] > bs[t - 1]))
      return ct__error(CT_ERR_RUNTIME, "rnn: batch_sizes must be positive and non-increasing");
    total += bs[t];
  }
  if (total != p->data->shape[0])
    return ct__error(CT_ERR_RUNTIME, "rnn: the batch sizes add up to %lld rows, data has %lld",
                     (long long)total, (long long)p->data->shape[0]);
  return CT_OK;
}

static ct_status forward_packed(rnn_module *m, const ct_packed_sequence *p, ct_tensor *h0, ct_tensor *c0,
                                ct_rnn_output *out, int64_t *bs, int64_t steps) {
  const bool lstm = m->mode == CT_RNN_MODE_LSTM;
  if (check_input(m, p->data, 2) != CT_OK || read_batch_sizes(p, bs, steps) != CT_OK) return ct_last_status();
  const int64_t B = bs[0];
  if (!h0) {
    h0 = zero_states(m, B), c0 = lstm ? zero_states(m, B) : NULL;
  } else if (p->sorted_indices) { // the caller's batch order into the sequence's sorted one
    h0 = ct_index_select(h0, 1, p->sorted_indices);
    c0 = lstm ? ct_index_select(c0, 1, p->sorted_indices) : NULL;
  }
  if (!h0 || (lstm && !c0) || check_states(m, h0, c0, B) != CT_OK) return ct_last_status();
  stack_result r = {0};
  if (run_stack(m, ct_contiguous(p->data), bs, steps, h0, c0, &r) != CT_OK) return ct_last_status();
  if (p->unsorted_indices) {
    r.h_n = ct_index_select(r.h_n, 1, p->unsorted_indices);
    r.c_n = lstm ? ct_index_select(r.c_n, 1, p->unsorted_indices) : NULL;
  }
  *out = (ct_rnn_output){.h_n = r.h_n,
                         .c_n = r.c_n,
                         .packed = {r.output, p->batch_sizes, p->sorted_indices, p->unsorted_indices}};
  return r.h_n && (!lstm || r.c_n) ? CT_OK : ct_last_status();
}

ct_status ct_rnn_forward_packed(ct_module *module, const ct_packed_sequence *input, ct_tensor *h0,
                                ct_tensor *c0, ct_rnn_output *out) {
  rnn_module *m = NULL;
  if (start(module, h0, c0, out, &m) != CT_OK) return ct_last_status();
  if (!input) return ct__error(CT_ERR_ARG, "rnn forward: the packed sequence is NULL");
  if (!input->data || !input->batch_sizes) return ct__null_tensor_status("rnn forward");
  const int64_t steps = ct_numel(input->batch_sizes);
  if (input->batch_sizes->ndim != 1 || steps == 0)
    return ct__error(CT_ERR_RUNTIME, "rnn: batch_sizes must be a non-empty 1-D tensor");
  int64_t *bs = malloc((size_t)steps * sizeof *bs);
  ct_scope *s = bs ? ct_scope_open() : NULL;
  if (!s) {
    free(bs);
    return bs ? ct_last_status() : ct__error(CT_ERR_MEMORY, "rnn: out of memory");
  }
  ct_status st = forward_packed(m, input, h0, c0, out, bs, steps);
  free(bs);
  return finish(s, st, out);
}

// ---- the module ----

static ct_tensor *rnn_module_forward(ct_module *self, ct_tensor *x) {
  ct_rnn_output r;
  return ct_rnn_forward(self, x, NULL, NULL, &r) == CT_OK ? r.output : NULL;
}

// RNNBase.extra_repr.
static void rnn_repr(const ct_module *self, char *buf, size_t cap) {
  const rnn_module *m = (const rnn_module *)self;
  int w = snprintf(buf, cap, "%lld, %lld", (long long)m->input_size, (long long)m->hidden_size);
  size_t len = w > 0 && (size_t)w < cap ? (size_t)w : 0;
#define APPEND(...)                                                                                          \
  do {                                                                                                       \
    w = snprintf(buf + len, cap - len, __VA_ARGS__);                                                         \
    if (w > 0) len = len + (size_t)w < cap ? len + (size_t)w : cap - 1;                                      \
  } while (0)
  if (m->o.num_layers != 1) APPEND(", num_layers=%lld", (long long)m->o.num_layers);
  if (!m->o.bias) APPEND(", bias=False");
  if (m->o.batch_first) APPEND(", batch_first=True");
  if (m->o.dropout != 0) {
    char p[32];
    ct_format_float(m->o.dropout, p, sizeof p);
    APPEND(", dropout=%s", p);
  }
  if (m->o.bidirectional) APPEND(", bidirectional=True");
#undef APPEND
}

static void rnn_destroy(ct_module *self) { free(((rnn_module *)self)->layers); }

static const ct_module_vtable rnn_vtable = {"RNN", rnn_module_forward, rnn_repr, rnn_destroy};
static const ct_module_vtable lstm_vtable = {"LSTM", rnn_module_forward, rnn_repr, rnn_destroy};
static const ct_module_vtable gru_vtable = {"GRU", rnn_module_forward, rnn_repr, rnn_destroy};

static rnn_module *as_rnn(ct_module *m) {
  if (!m) return ct__error_null(CT_ERR_ARG, "rnn forward: module is NULL");
  if (m->vtable != &rnn_vtable && m->vtable != &lstm_vtable && m->vtable != &gru_vtable)
    return ct__error_null(CT_ERR_ARG, "rnn forward: %s is not an RNN, LSTM or GRU", m->vtable->name);
  return (rnn_module *)m;
}

ct_rnn_options ct_rnn_defaults(void) {
  return (ct_rnn_options){
      .num_layers = 1, .bias = true, .dropout = 0, .nonlinearity = "tanh", .dtype = CT_FLOAT32};
}

// RNNBase.__init__: checks, parameters in PyTorch's order, reset_parameters.
static ct_module *rnn_base_new(const ct_module_vtable *vtable, ct_rnn_mode mode, int64_t input_size,
                               int64_t hidden_size, ct_rnn_options o) {
  if (!(o.dropout >= 0 && o.dropout <= 1))
    return ct__error_null(CT_ERR_ARG,
                          "dropout should be a number in range [0, 1] representing the probability "
                          "of an element being zeroed");
  if (hidden_size <= 0) return ct__error_null(CT_ERR_ARG, "hidden_size must be greater than zero");
  if (o.num_layers <= 0) return ct__error_null(CT_ERR_ARG, "num_layers must be greater than zero");
  if (input_size < 0) return ct__error_null(CT_ERR_ARG, "input_size must not be negative");
  rnn_module *m = ct_module_new(sizeof *m, vtable);
  if (!m) return NULL;
  m->mode = mode, m->input_size = input_size, m->hidden_size = hidden_size, m->o = o;
  const int64_t D = directions(m);
  m->layers = calloc((size_t)(o.num_layers * D), sizeof *m->layers);
  ct_status st = m->layers ? CT_OK : ct__error(CT_ERR_MEMORY, "%s: out of memory", vtable->name);
  for (int64_t l = 0; l < o.num_layers && st == CT_OK; l++)
    for (int64_t d = 0; d < D && st == CT_OK; d++) {
      char suffix[48];
      snprintf(suffix, sizeof suffix, "_l%lld%s", (long long)l, d ? "_reverse" : "");
      st = ct__rnn_add_parameters(&m->base, suffix, ct_rnn_gates(mode), l ? D * hidden_size : input_size,
                                  hidden_size, o.bias, o.dtype, &m->layers[l * D + d]);
    }
  if (st == CT_OK) st = ct__rnn_reset_parameters(&m->base, hidden_size);
  if (st != CT_OK) {
    ct_module_free(&m->base);
    return NULL;
  }
  return &m->base;
}

ct_module *ct_rnn_new(int64_t input_size, int64_t hidden_size, ct_rnn_options o) {
  ct_rnn_mode mode;
  if (ct__rnn_nonlinearity(o.nonlinearity, true, &mode) != CT_OK) return NULL;
  return rnn_base_new(&rnn_vtable, mode, input_size, hidden_size, o);
}
ct_module *ct_lstm_new(int64_t input_size, int64_t hidden_size, ct_rnn_options o) {
  return rnn_base_new(&lstm_vtable, CT_RNN_MODE_LSTM, input_size, hidden_size, o);
}
ct_module *ct_gru_new(int64_t input_size, int64_t hidden_size, ct_rnn_options o) {
  return rnn_base_new(&gru_vtable, CT_RNN_MODE_GRU, input_size, hidden_size, o);
}
