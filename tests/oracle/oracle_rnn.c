#define _POSIX_C_SOURCE 200809L // strtok_r
// Oracle program for the recurrent layers and packed sequences (driven by oracle_rnn.py).
// One case per stdin line: "<key> <value>..." with keys
//   kind rnn|rnn_relu|lstm|gru|rnncell|rnncell_relu|lstmcell|grucell
//   in hid layers bias bf bidir train seed (integers), drop (a double), dtype (f32/f64)
//   x h0 c0 go gh gc (tensor specs: the input, initial states, and the gradients of the
//   output, h_n and c_n; backward runs when go is given), len <comma list> sorted 0/1
//   (pack x with these lengths, run packed, pad the output back), repr (print the repr).
// After ct_manual_seed(seed) the module is made, then run in train or eval mode. Answer
// lines: "repr <text>"; "param <name> <bits>" per parameter after initialisation;
// "packed <bits>", "bs <values>", "si <values>" / "ui <values>" (the packed input);
// "out <shape> <hex>", "hn", "cn"; "plen <values>" (pad's lengths); then "gx", "gh0",
// "gc0" and "g <name>" per parameter (hex); or "ERR <message>" where a call failed.
#include "oracle_io.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rnn_case {
  char kind[16];
  int64_t in, hid, layers, seed, n_len;
  bool bias, bf, bidir, train, sorted, repr;
  double drop;
  ct_dtype dtype;
  ct_tensor *x, *h0, *c0, *go, *gh, *gc;
  int64_t len[64];
} rnn_case;

static void read_case(char *line, rnn_case *c) {
  tu_tokens tok = tu_tokens_of(line);
  *c = (rnn_case){.layers = 1, .bias = true, .sorted = true, .dtype = CT_FLOAT32};
  for (const char *key; (key = tu_next(&tok));) {
    ct_tensor **slot = !strcmp(key, "x")    ? &c->x
                       : !strcmp(key, "h0") ? &c->h0
                       : !strcmp(key, "c0") ? &c->c0
                       : !strcmp(key, "go") ? &c->go
                       : !strcmp(key, "gh") ? &c->gh
                       : !strcmp(key, "gc") ? &c->gc
                                            : NULL;
    if (slot)
      *slot = tu_read_tensor(&tok, TU_COPY);
    else if (!strcmp(key, "kind"))
      snprintf(c->kind, sizeof c->kind, "%s", tu_need(&tok));
    else if (!strcmp(key, "in"))
      c->in = tu_next_int(&tok);
    else if (!strcmp(key, "hid"))
      c->hid = tu_next_int(&tok);
    else if (!strcmp(key, "layers"))
      c->layers = tu_next_int(&tok);
    else if (!strcmp(key, "seed"))
      c->seed = tu_next_int(&tok);
    else if (!strcmp(key, "bias"))
      c->bias = tu_next_int(&tok) != 0;
    else if (!strcmp(key, "bf"))
      c->bf = tu_next_int(&tok) != 0;
    else if (!strcmp(key, "bidir"))
      c->bidir = tu_next_int(&tok) != 0;
    else if (!strcmp(key, "train"))
      c->train = tu_next_int(&tok) != 0;
    else if (!strcmp(key, "sorted"))
      c->sorted = tu_next_int(&tok) != 0;
    else if (!strcmp(key, "drop"))
      c->drop = tu_next_double(&tok);
    else if (!strcmp(key, "dtype"))
      c->dtype = tu_parse_dtype(tu_need(&tok));
    else if (!strcmp(key, "repr"))
      c->repr = true;
    else if (!strcmp(key, "len")) {
      char *save, *text = tu_need(&tok);
      for (char *p = strtok_r(text, ",", &save); p && c->n_len < 64; p = strtok_r(NULL, ",", &save))
        c->len[c->n_len++] = strtoll(p, NULL, 10);
    } else
      tu_bad_case("unknown key", key);
  }
}

static bool is_cell(const rnn_case *c) { return strstr(c->kind, "cell") != NULL; }

static ct_module *make_module(const rnn_case *c) {
  ct_rnn_options o = ct_rnn_defaults();
  o.num_layers = c->layers, o.bias = c->bias, o.batch_first = c->bf, o.dropout = c->drop;
  o.bidirectional = c->bidir, o.dtype = c->dtype;
  const char *k = c->kind;
  if (strstr(k, "relu")) o.nonlinearity = "relu";
  if (strstr(k, "_x")) o.nonlinearity = "x";
  if (!strcmp(k, "rnn") || !strcmp(k, "rnn_relu") || !strcmp(k, "rnn_x")) return ct_rnn_new(c->in, c->hid, o);
  if (!strcmp(k, "lstm")) return ct_lstm_new(c->in, c->hid, o);
  if (!strcmp(k, "gru")) return ct_gru_new(c->in, c->hid, o);
  if (!strncmp(k, "rnncell", 7)) return ct_rnn_cell_new(c->in, c->hid, o);
  if (!strcmp(k, "lstmcell")) return ct_lstm_cell_new(c->in, c->hid, o);
  if (!strcmp(k, "grucell")) return ct_gru_cell_new(c->in, c->hid, o);
  tu_bad_case("unknown kind", k);
}

static void print_shaped(const char *tag, const ct_tensor *t) {
  printf("%s", tag);
  for (int d = 0; d < ct_dim(t); d++)
    printf("%s%lld", d ? "," : " ", (long long)ct_shape(t)[d]);
  if (ct_dim(t) == 0) printf(" s");
  tu_print_line("", t, TU_HEX);
}

// Runs the forward pass; fills out/hn/cn (cn NULL but for LSTM); false after printing ERR.
static bool forward(const rnn_case *c, ct_module *m, ct_tensor **out, ct_tensor **hn, ct_tensor **cn) {
  *cn = NULL;
  if (is_cell(c)) {
    if (ct_rnn_cell_forward(m, c->x, c->h0, c->c0, hn, cn) != CT_OK) return false;
    *out = *hn;
    return true;
  }
  ct_rnn_output r;
  if (!c->n_len) {
    if (ct_rnn_forward(m, c->x, c->h0, c->c0, &r) != CT_OK) return false;
    *out = r.output, *hn = r.h_n, *cn = r.c_n;
    return true;
  }
  ct_packed_sequence p;
  ct_tensor *lengths = ct_tensor_from_i64(c->len, 1, &c->n_len);
  if (ct_pack_padded_sequence(c->x, lengths, c->bf, c->sorted, &p) != CT_OK) return false;
  tu_print_line("packed", p.data, TU_BITS);
  tu_print_line("bs", p.batch_sizes, TU_HEX);
  if (p.sorted_indices) tu_print_line("si", p.sorted_indices, TU_HEX);
  if (p.unsorted_indices) tu_print_line("ui", p.unsorted_indices, TU_HEX);
  if (ct_rnn_forward_packed(m, &p, c->h0, c->c0, &r) != CT_OK) return false;
  ct_tensor *plen = NULL;
  *out = ct_pad_packed_sequence(&r.packed, c->bf, 0.0, -1, &plen);
  if (!*out) return false;
  tu_print_line("plen", plen, TU_HEX);
  *hn = r.h_n, *cn = r.c_n;
  return true;
}

static ct_tensor *weighted(ct_tensor *t, ct_tensor *w) { return ct_sum(ct_mul(t, w)); }

static void run_case(char *line) {
  rnn_case c;
  read_case(line, &c);
  ct_manual_seed((uint64_t)c.seed);
  ct_module *m = make_module(&c);
  if (!m) {
    printf("ERR %s\n", ct_last_error());
    return;
  }
  if (c.repr) {
    char text[512];
    ct_module_repr(m, text, sizeof text);
    printf("repr %s\n", text);
  }
  ct_named_list *params = ct_module_named_parameters(m);
  for (int i = 0; i < params->count; i++) {
    printf("param %s", params->items[i].name);
    tu_print_line("", params->items[i].tensor, TU_BITS);
  }
  ct_module_train(m, c.train);
  const bool backward = c.go != NULL;
  if (backward) {
    if (c.x) ct_set_requires_grad(c.x, true);
    if (c.h0) ct_set_requires_grad(c.h0, true);
    if (c.c0) ct_set_requires_grad(c.c0, true);
  }
  ct_tensor *out, *hn, *cn;
  if (!c.x || !forward(&c, m, &out, &hn, &cn)) {
    printf("ERR %s\n", ct_last_error());
  } else {
    print_shaped("out", out);
    print_shaped("hn", hn);
    if (cn) print_shaped("cn", cn);
    if (backward) {
      ct_tensor *loss = weighted(out, c.go);
      if (c.gh) loss = ct_add(loss, weighted(hn, c.gh));
      if (c.gc && cn) loss = ct_add(loss, weighted(cn, c.gc));
      if (!loss || ct_backward(loss, NULL) != CT_OK) {
        printf("ERR %s\n", ct_last_error());
      } else {
        tu_print_line("gx", ct_grad(c.x), TU_HEX);
        if (c.h0) tu_print_line("gh0", ct_grad(c.h0), TU_HEX);
        if (c.c0) tu_print_line("gc0", ct_grad(c.c0), TU_HEX);
        for (int i = 0; i < params->count; i++) {
          printf("g %s", params->items[i].name);
          tu_print_line("", ct_grad(params->items[i].tensor), TU_HEX);
        }
      }
    }
  }
  ct_named_list_free(params);
  ct_module_free(m);
}

int main(void) { return tu_oracle_main(run_case, TU_SCOPE_PER_CASE); }
