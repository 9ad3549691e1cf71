// nn.RNNCell, nn.LSTMCell, nn.GRUCell (RNNCellBase and the forwards of
// torch/nn/modules/rnn.py, ATen's check_rnn_cell_forward_*): one step of the fused
// layer op (ops/rnn_layer.c) over B rows.
#include "core/error_impl.h"
#include "core/tensor_impl.h"
#include "ctorch/creation.h"
#include "ctorch/scope.h"
#include "ctorch/view.h"
#include "nn/module_impl.h"
#include "nn/rnn_internal.h"
#include <stdio.h>
#include <string.h>
#include "ctorch/device.h"

typedef struct cell_module {
  ct_module base;
  ct_rnn_mode mode;
  int64_t input_size, hidden_size;
  bool bias;
  char nonlinearity[32]; // RNNCell's, as given: PyTorch refuses an unknown one at forward
  ct_rnn_weights w;      // borrowed from the registry
} cell_module;

static ct_tensor *cell_module_forward(ct_module *self, ct_tensor *x) {
  ct_tensor *h = NULL, *c = NULL;
  return ct_rnn_cell_forward(self, x, NULL, NULL, &h, &c) == CT_OK ? h : NULL;
}

static const ct_module_vtable rnn_cell_vtable;

// RNNCellBase.extra_repr.
static void cell_repr(const ct_module *self, char *buf, size_t cap) {
  const cell_module *m = (const cell_module *)self;
  const bool shown = m->base.vtable == &rnn_cell_vtable && strcmp(m->nonlinearity, "tanh");
  snprintf(buf, cap, "%lld, %lld%s%s%s", (long long)m->input_size, (long long)m->hidden_size,
           m->bias ? "" : ", bias=False", shown ? ", nonlinearity=" : "", shown ? m->nonlinearity : "");
}

static const ct_module_vtable rnn_cell_vtable = {"RNNCell", cell_module_forward, cell_repr, NULL};
static const ct_module_vtable lstm_cell_vtable = {"LSTMCell", cell_module_forward, cell_repr, NULL};
static const ct_module_vtable gru_cell_vtable = {"GRUCell", cell_module_forward, cell_repr, NULL};

static ct_module *cell_new(const ct_module_vtable *vtable, ct_rnn_mode mode, int64_t input_size,
                           int64_t hidden_size, ct_rnn_options o) {
  if (hidden_size <= 0) return ct__error_null(CT_ERR_ARG, "hidden_size must be greater than zero");
  if (input_size < 0) return ct__error_null(CT_ERR_ARG, "input_size must not be negative");
  cell_module *m = ct_module_new(sizeof *m, vtable);
  if (!m) return NULL;
  m->mode = mode, m->input_size = input_size, m->hidden_size = hidden_size, m->bias = o.bias;
  if (ct__rnn_add_parameters(&m->base, "", ct_rnn_gates(mode), input_size, hidden_size, o.bias, o.dtype,
                             &m->w) != CT_OK ||
      ct__rnn_reset_parameters(&m->base, hidden_size) != CT_OK) {
    ct_module_free(&m->base);
    return NULL;
  }
  return &m->base;
}

ct_module *ct_rnn_cell_new(int64_t input_size, int64_t hidden_size, ct_rnn_options o) {
  const char *act = o.nonlinearity ? o.nonlinearity : "tanh";
  if (strlen(act) >= sizeof((cell_module *)0)->nonlinearity)
    return ct__error_null(CT_ERR_ARG, "Unknown nonlinearity: %s", act);
  ct_module *m = cell_new(&rnn_cell_vtable, strcmp(act, "relu") ? CT_RNN_MODE_TANH : CT_RNN_MODE_RELU,
                          input_size, hidden_size, o);
  if (m) snprintf(((cell_module *)m)->nonlinearity, sizeof((cell_module *)m)->nonlinearity, "%s", act);
  return m;
}
ct_module *ct_lstm_cell_new(int64_t input_size, int64_t hidden_size, ct_rnn_options o) {
  return cell_new(&lstm_cell_vtable, CT_RNN_MODE_LSTM, input_size, hidden_size, o);
}
ct_module *ct_gru_cell_new(int64_t input_size, int64_t hidden_size, ct_rnn_options o) {
  return cell_new(&gru_cell_vtable, CT_RNN_MODE_GRU, input_size, hidden_size, o);
}

// check_rnn_cell_forward_hidden (hidden_label 0 for both of LSTMCell's states, as ATen).
static ct_status check_hidden(const cell_module *m, const ct_tensor *x, const ct_tensor *h) {
  if (h->ndim != 2)
    return ct__error(CT_ERR_RUNTIME,
                     "%s: Expected hidden to be %d-D like the input, but received %d-D tensor",
                     m->base.vtable->name, x->ndim == 2 ? 2 : 1, h->ndim - (x->ndim == 2 ? 0 : 1));
  if (h->shape[0] != x->shape[0])
    return ct__error(CT_ERR_RUNTIME, "Input batch size %lld doesn't match hidden0 batch size %lld",
                     (long long)x->shape[0], (long long)h->shape[0]);
  if (h->shape[1] != m->hidden_size)
    return ct__error(CT_ERR_RUNTIME, "hidden0 has inconsistent hidden_size: got %lld, expected %lld",
                     (long long)h->shape[1], (long long)m->hidden_size);
  return ct__rnn_check_dtype(h, m->w.w_ih->dtype, false);
}

static ct_status cell_step(cell_module *m, ct_tensor *input, ct_tensor *hx, ct_tensor *cx, ct_tensor **h,
                           ct_tensor **c) {
  const bool lstm = m->mode == CT_RNN_MODE_LSTM, batched = input->ndim == 2;
  if (input->ndim != 1 && input->ndim != 2)
    return ct__error(CT_ERR_RUNTIME, "%s: Expected input to be 1-D or 2-D but received %d-D tensor",
                     m->base.vtable->name, input->ndim);
  ct_tensor *x = batched ? input : ct_unsqueeze(input, 0);
  if (!x) return ct_last_status();
  const int64_t B = x->shape[0];
  if (!hx) {
    hx = ct_new_zeros(x, 2, (int64_t[]){B, m->hidden_size}, x->dtype);
    cx = lstm ? hx : NULL;
  } else if (!batched) {
    hx = ct_unsqueeze(hx, 0), cx = lstm ? ct_unsqueeze(cx, 0) : NULL;
  }
  if (!hx || (lstm && !cx)) return ct_last_status();
  if (x->shape[1] != m->input_size)
    return ct__error(CT_ERR_RUNTIME, "input has inconsistent input_size: got %lld expected %lld",
                     (long long)x->shape[1], (long long)m->input_size);
  if (check_hidden(m, x, hx) != CT_OK || (lstm && check_hidden(m, x, cx) != CT_OK) ||
      ct__rnn_check_dtype(x, m->w.w_ih->dtype, true) != CT_OK)
    return ct_last_status();
  if (B == 0) return ct__error(CT_ERR_RUNTIME, "%s: the batch is empty", m->base.vtable->name);
  ct_rnn_layer_out o;
  if (ct__rnn_layer(m->mode, x, &B, 1, hx, cx, &m->w, false, &o) != CT_OK) return ct_last_status();
  *h = batched ? o.h_n : ct_squeeze_dim(o.h_n, 0);
  if (lstm) *c = batched ? o.c_n : ct_squeeze_dim(o.c_n, 0);
  return *h && (!lstm || *c) ? CT_OK : ct_last_status();
}

ct_status ct_rnn_cell_forward(ct_module *cell, ct_tensor *input, ct_tensor *hx, ct_tensor *cx,
                              ct_tensor **h_out, ct_tensor **c_out) {
  if (!h_out) return ct__error(CT_ERR_ARG, "rnn cell forward: h_out is NULL");
  *h_out = NULL;
  if (c_out) *c_out = NULL;
  if (!cell) return ct__error(CT_ERR_ARG, "rnn cell forward: module is NULL");
  const ct_module_vtable *v = cell->vtable;
  if (v != &rnn_cell_vtable && v != &lstm_cell_vtable && v != &gru_cell_vtable)
    return ct__error(CT_ERR_ARG, "rnn cell forward: %s is not an RNNCell, LSTMCell or GRUCell", v->name);
  cell_module *m = (cell_module *)cell;
  ct_rnn_mode mode;
  if (v == &rnn_cell_vtable && ct__rnn_nonlinearity(m->nonlinearity, false, &mode) != CT_OK)
    return ct_last_status();
  const bool lstm = m->mode == CT_RNN_MODE_LSTM;
  if (lstm && !hx != !cx) return ct__error(CT_ERR_ARG, "LSTMCell: give both hx and cx, or neither");
  if (lstm && !c_out) return ct__error(CT_ERR_ARG, "LSTMCell: c_out is NULL");
  if (!input) return ct__null_tensor_status("rnn cell forward");
  ct_scope *s = ct_scope_open();
  if (!s) return ct_last_status();
  ct_tensor *keep[2] = {NULL, NULL};
  ct_status st = cell_step(m, input, hx, cx, &keep[0], &keep[1]);
  if (st != CT_OK) {
    ct_scope_close(s);
    return st;
  }
  if ((st = ct__close_keeping(s, keep, 2)) != CT_OK) return st;
  *h_out = keep[0];
  if (lstm) *c_out = keep[1];
  return CT_OK;
}
