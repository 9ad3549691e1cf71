// Oracle program for attention and transformers (driven by oracle_attention.py). One case
// per stdin line.
//
// Functional case: "sdpa <key> <value>... [fd]": keys q k v mask g (tensor specs; no mask
// key for none), p (dropout_p, hex float), causal (0/1), seed (ct_manual_seed just
// before the call). Answer: "out <dtype> <shape> <values>", then "gq" / "gk" / "gv
// <values>" (gradients of sum(out * g)), and with fd "fdq" / "fdk" / "fdv <values>"
// (float64 central differences of the same sum); or "ERR <message>".
//
// Module cases: "mod <command>; <command>; ..." on one module:
//   new mha <E> <heads> <bias> <batch_first> <kdim> <vdim> <dropout>
//   new tel <d> <heads> <ff> <dropout> <act> <eps> <batch_first> <norm_first>
//   new enc <tel arguments> <num_layers> <final norm 0/1>
//   seed <n>   train | eval   names ("params ...")   repr ("repr" then the repr)
//   state      ("key <name> <dtype> <shape> <values>" per state_dict entry)
//   load <name> <spec>   (load_state_dict, non-strict, of that one entry: "ok" or "ERR ...")
//   fwd <key> <value>... : keys q k v kpm mask g gw (specs) and the flags self (key and
//       value are q itself), kv (value is key itself), nw (need_weights false), avg0
//       (average_attn_weights false). For tel / enc: q is src, mask and kpm the masks.
//       Answer: "out ...", "w ..." (weights, when returned), then the gradients of
//       sum(out * g) + sum(w * gw): "gq" / "gk" / "gv <values>" and "grad <name> <values>"
//       per parameter; or "ERR <message>".
// Values are bit patterns (TU_BITS).
#include "oracle_io.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_grad(const char *tag, const ct_tensor *t) {
  if (t && ct_grad(t)) tu_print_line(tag, ct_grad(t), TU_BITS);
}

// ---- scaled_dot_product_attention ----

typedef struct sdpa_case {
  ct_tensor *q, *k, *v, *mask, *g;
  double p;
  bool causal, fd;
  int64_t seed;
} sdpa_case;

static ct_tensor *sdpa_run(sdpa_case *c) {
  ct_manual_seed((uint64_t)c->seed);
  return ct_scaled_dot_product_attention(c->q, c->k, c->v, c->mask, c->p, c->causal);
}

static double sdpa_objective(void *ctx) {
  ct_scope *s = ct_scope_open();
  double value = tu_weighted_sum(sdpa_run(ctx), ((sdpa_case *)ctx)->g);
  ct_scope_close(s);
  return value;
}

static void run_sdpa(char *line) {
  sdpa_case c = {0};
  tu_tokens tok = tu_tokens_of(line);
  tu_need(&tok);
  for (const char *key; (key = tu_next(&tok));) {
    ct_tensor **slot = !strcmp(key, "q")      ? &c.q
                       : !strcmp(key, "k")    ? &c.k
                       : !strcmp(key, "v")    ? &c.v
                       : !strcmp(key, "mask") ? &c.mask
                       : !strcmp(key, "g")    ? &c.g
                                              : NULL;
    if (slot)
      *slot = tu_read_tensor(&tok, TU_COPY);
    else if (!strcmp(key, "p"))
      c.p = tu_next_double(&tok);
    else if (!strcmp(key, "causal"))
      c.causal = tu_next_int(&tok) != 0;
    else if (!strcmp(key, "seed"))
      c.seed = tu_next_int(&tok);
    else if (!strcmp(key, "fd"))
      c.fd = true;
    else
      tu_bad_case("unknown sdpa key", key);
  }
  ct_tensor *inputs[3] = {c.q, c.k, c.v};
  for (int i = 0; i < 3; i++)
    ct_set_requires_grad(inputs[i], true);
  ct_tensor *out = sdpa_run(&c);
  if (!out) {
    printf("ERR %s\n", ct_last_error());
    return;
  }
  tu_print_tensor_bits("out", out);
  if (ct_backward(ct_sum(ct_mul(out, c.g)), NULL) != CT_OK) printf("ERR %s\n", ct_last_error());
  static const char *const gtags[3] = {"gq", "gk", "gv"}, *const fdtags[3] = {"fdq", "fdk", "fdv"};
  for (int i = 0; i < 3; i++)
    print_grad(gtags[i], inputs[i]);
  for (int i = 0; c.fd && i < 3; i++) {
    ct_tensor *fd = ct_zeros(ct_dim(inputs[i]), ct_shape(inputs[i]), CT_FLOAT64);
    tu_central_differences(inputs[i], sdpa_objective, &c, 1e-6, 1e-7, ct_data_ptr(fd));
    tu_print_line(fdtags[i], fd, TU_BITS);
  }
}

// ---- modules ----

typedef enum { KIND_MHA, KIND_TEL, KIND_ENC } module_kind;
static ct_module *current;
static module_kind kind;

static ct_transformer_encoder_layer_options read_layer_options(tu_tokens *tok, int64_t *d, int64_t *heads) {
  *d = tu_next_int(tok);
  *heads = tu_next_int(tok);
  ct_transformer_encoder_layer_options o = ct_transformer_encoder_layer_defaults();
  o.dim_feedforward = tu_next_int(tok);
  o.dropout = tu_next_double(tok);
  static char act[32];
  snprintf(act, sizeof act, "%s", tu_need(tok));
  o.activation = act;
  o.layer_norm_eps = tu_next_double(tok);
  o.batch_first = tu_next_int(tok) != 0;
  o.norm_first = tu_next_int(tok) != 0;
  return o;
}

static ct_module *new_module(tu_tokens *tok) {
  const char *what = tu_need(tok);
  int64_t d, heads;
  if (!strcmp(what, "mha")) {
    kind = KIND_MHA;
    d = tu_next_int(tok);
    heads = tu_next_int(tok);
    ct_multihead_attention_options o = ct_multihead_attention_defaults();
    o.bias = tu_next_int(tok) != 0;
    o.batch_first = tu_next_int(tok) != 0;
    o.kdim = tu_next_int(tok);
    o.vdim = tu_next_int(tok);
    o.dropout = tu_next_double(tok);
    return ct_multihead_attention_new(d, heads, o);
  }
  if (!strcmp(what, "tel") || !strcmp(what, "enc")) {
    ct_transformer_encoder_layer_options o = read_layer_options(tok, &d, &heads);
    ct_module *layer = ct_transformer_encoder_layer_new(d, heads, o);
    kind = KIND_TEL;
    if (what[0] == 't') return layer;
    kind = KIND_ENC;
    int n = (int)tu_next_int(tok);
    ct_module *norm = tu_next_int(tok) ? ct_layer_norm_new(1, &d, 1e-5, true) : NULL;
    return layer ? ct_transformer_encoder_new(layer, n, norm) : NULL;
  }
  tu_bad_case("unknown module", what);
}

typedef struct fwd_args {
  ct_tensor *q, *k, *v, *kpm, *mask, *g, *gw;
  bool self, kv, nw, avg0;
} fwd_args;

static void read_fwd(tu_tokens *tok, fwd_args *f) {
  for (const char *key; (key = tu_next(tok));) {
    ct_tensor **slot = !strcmp(key, "q")      ? &f->q
                       : !strcmp(key, "k")    ? &f->k
                       : !strcmp(key, "v")    ? &f->v
                       : !strcmp(key, "kpm")  ? &f->kpm
                       : !strcmp(key, "mask") ? &f->mask
                       : !strcmp(key, "g")    ? &f->g
                       : !strcmp(key, "gw")   ? &f->gw
                                              : NULL;
    if (slot)
      *slot = tu_read_tensor(tok, TU_COPY);
    else if (!strcmp(key, "self"))
      f->self = true;
    else if (!strcmp(key, "kv"))
      f->kv = true;
    else if (!strcmp(key, "nw"))
      f->nw = true;
    else if (!strcmp(key, "avg0"))
      f->avg0 = true;
    else
      tu_bad_case("unknown fwd key", key);
  }
}

static void forward(tu_tokens *tok) {
  fwd_args f = {0};
  read_fwd(tok, &f);
  if (f.self) f.k = f.v = f.q;
  if (f.kv) f.v = f.k;
  ct_tensor *inputs[3] = {f.q, f.k, f.v};
  for (int i = 0; i < 3; i++)
    if (inputs[i] && ct_dtype_is_floating(ct_get_dtype(inputs[i]))) ct_set_requires_grad(inputs[i], true);
  ct_tensor *out, *w = NULL;
  if (kind == KIND_MHA) {
    ct_multihead_attention_args a = {.key_padding_mask = f.kpm,
                                     .need_weights = !f.nw,
                                     .attn_mask = f.mask,
                                     .average_attn_weights = !f.avg0};
    out = ct_multihead_attention_forward(current, f.q, f.k, f.v, &a, &w);
  } else if (kind == KIND_TEL) {
    out = ct_transformer_encoder_layer_forward(current, f.q, f.mask, f.kpm);
  } else {
    out = ct_transformer_encoder_forward(current, f.q, f.mask, f.kpm);
  }
  if (!out) {
    printf("ERR %s\n", ct_last_error());
    return;
  }
  tu_print_tensor_bits("out", out);
  if (w) tu_print_tensor_bits("w", w);
  ct_tensor *loss = ct_sum(ct_mul(out, f.g));
  if (w && f.gw) loss = ct_add(loss, ct_sum(ct_mul(w, f.gw)));
  if (ct_backward(loss, NULL) != CT_OK) printf("ERR %s\n", ct_last_error());
  print_grad("gq", f.q);
  if (!f.self) print_grad("gk", f.k);
  if (!f.self && !f.kv) print_grad("gv", f.v);
  ct_named_list *params = ct_module_named_parameters(current);
  for (int i = 0; params && i < params->count; i++) {
    char tag[300];
    snprintf(tag, sizeof tag, "grad %s", params->items[i].name);
    print_grad(tag, params->items[i].tensor);
  }
  ct_named_list_free(params);
}

static void load_entry(tu_tokens *tok) {
  ct_named_tensor item;
  snprintf(item.name, sizeof item.name, "%s", tu_need(tok));
  item.tensor = tu_read_tensor(tok, TU_COPY);
  ct_named_list list = {1, &item};
  if (ct_module_load_state_dict(current, &list, false) == CT_OK)
    printf("ok\n");
  else
    printf("ERR %s\n", ct_last_error());
}

static void run_command(char *command) {
  tu_tokens tok = tu_tokens_of(command);
  const char *cmd = tu_next(&tok);
  if (!cmd) return;
  if (!strcmp(cmd, "seed")) {
    ct_manual_seed((uint64_t)tu_next_int(&tok));
  } else if (!strcmp(cmd, "new")) {
    current = new_module(&tok);
    if (!current) printf("ERR %s\n", ct_last_error());
  } else if (!current) {
    return; // construction failed: the rest of the script has nothing to act on
  } else if (!strcmp(cmd, "train") || !strcmp(cmd, "eval")) {
    ct_module_train(current, cmd[0] == 't');
  } else if (!strcmp(cmd, "state")) {
    tu_print_state_dict(current);
  } else if (!strcmp(cmd, "names")) {
    tu_print_names("params", ct_module_named_parameters(current));
  } else if (!strcmp(cmd, "repr")) {
    printf("repr\n");
    ct_module_print(current);
  } else if (!strcmp(cmd, "load")) {
    load_entry(&tok);
  } else if (!strcmp(cmd, "fwd")) {
    forward(&tok);
  } else {
    tu_bad_case("unknown module command", cmd);
  }
}

static void run_case(char *line) {
  if (!strncmp(line, "sdpa", 4)) {
    run_sdpa(line);
    return;
  }
  if (strncmp(line, "mod ", 4)) tu_bad_case("unknown case", line);
  current = NULL;
  tu_for_each_command(line + 4, run_command);
  ct_module_free(current);
}

int main(void) { return tu_oracle_main(run_case, TU_SCOPE_PER_CASE); }
