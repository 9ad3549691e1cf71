// nn.TransformerEncoderLayer and nn.TransformerEncoder (PyTorch 1.13's slow path: the
// module math op by op, which is also what PyTorch runs whenever gradients are recorded).
#include "core/error_impl.h"
#include "core/tensor_impl.h"
#include "ctorch/nn_extra.h"
#include "ctorch/ops.h"
#include "ctorch/random.h"
#include "ctorch/scope.h"
#include "nn/attention_internal.h"
#include "nn/module_impl.h"
#include <stdio.h>
#include <string.h>

// ---- TransformerEncoderLayer ----

typedef struct encoder_layer_module {
  ct_module base;
  int64_t d_model, nhead;
  ct_transformer_encoder_layer_options o;
  bool gelu; // the activation: gelu, else relu
  ct_module *self_attn, *linear1, *dropout, *linear2, *norm1, *norm2, *dropout1, *dropout2; // children
} encoder_layer_module;

static ct_tensor *layer_plain_forward(ct_module *self, ct_tensor *src) {
  return ct_transformer_encoder_layer_forward(self, src, NULL, NULL);
}

static const ct_module_vtable encoder_layer_vtable = {"TransformerEncoderLayer", layer_plain_forward, NULL,
                                                      NULL};

ct_transformer_encoder_layer_options ct_transformer_encoder_layer_defaults(void) {
  return (ct_transformer_encoder_layer_options){.dim_feedforward = 2048,
                                                .dropout = 0.1,
                                                .activation = "relu",
                                                .layer_norm_eps = 1e-5,
                                                .batch_first = false,
                                                .norm_first = false};
}

ct_module *ct_transformer_encoder_layer_new(int64_t d_model, int64_t nhead,
                                            ct_transformer_encoder_layer_options o) {
  const char *act = o.activation ? o.activation : "relu";
  if (strcmp(act, "relu") && strcmp(act, "gelu"))
    return ct__error_null(CT_ERR_ARG, "activation should be relu/gelu, not %s", act);
  encoder_layer_module *m = ct_module_new(sizeof *m, &encoder_layer_vtable);
  if (!m) return NULL;
  m->d_model = d_model;
  m->nhead = nhead;
  m->o = o;
  m->o.activation =
      act[0] == 'g' ? "gelu" : "relu"; // a static string: the caller's may not outlive the layer
  m->gelu = act[0] == 'g';
  ct_multihead_attention_options ao = ct_multihead_attention_defaults();
  ao.dropout = o.dropout;
  ao.batch_first = o.batch_first;
  ct_module *b = &m->base;
  // PyTorch's creation order, which is its draw order and its state-dict order
  bool ok =
      (m->self_attn =
           ct_module_register_module(b, "self_attn", ct_multihead_attention_new(d_model, nhead, ao))) &&
      (m->linear1 =
           ct_module_register_module(b, "linear1", ct_linear_new(d_model, o.dim_feedforward, true))) &&
      (m->dropout = ct_module_register_module(b, "dropout", ct_dropout_new(o.dropout))) &&
      (m->linear2 =
           ct_module_register_module(b, "linear2", ct_linear_new(o.dim_feedforward, d_model, true))) &&
      (m->norm1 =
           ct_module_register_module(b, "norm1", ct_layer_norm_new(1, &d_model, o.layer_norm_eps, true))) &&
      (m->norm2 =
           ct_module_register_module(b, "norm2", ct_layer_norm_new(1, &d_model, o.layer_norm_eps, true))) &&
      (m->dropout1 = ct_module_register_module(b, "dropout1", ct_dropout_new(o.dropout))) &&
      (m->dropout2 = ct_module_register_module(b, "dropout2", ct_dropout_new(o.dropout)));
  if (!ok) {
    ct_module_free(b);
    return NULL;
  }
  return b;
}

// _sa_block: self attention without weights, then dropout1.
static ct_tensor *sa_block(encoder_layer_module *m, ct_tensor *x, ct_tensor *mask, ct_tensor *kpm) {
  ct_multihead_attention_args a = {.key_padding_mask = kpm, .need_weights = false, .attn_mask = mask};
  return ct_module_forward(m->dropout1, ct_multihead_attention_forward(m->self_attn, x, x, x, &a, NULL));
}

// _ff_block: linear2(dropout(activation(linear1(x)))), then dropout2.
static ct_tensor *ff_block(encoder_layer_module *m, ct_tensor *x) {
  ct_tensor *h = ct_module_forward(m->linear1, x);
  h = m->gelu ? ct_gelu(h) : ct_relu(h);
  return ct_module_forward(m->dropout2, ct_module_forward(m->linear2, ct_module_forward(m->dropout, h)));
}

ct_tensor *ct_transformer_encoder_layer_forward(ct_module *layer, ct_tensor *src, ct_tensor *src_mask,
                                                ct_tensor *src_key_padding_mask) {
  if (!layer || layer->vtable != &encoder_layer_vtable)
    return ct__error_null(CT_ERR_ARG,
                          "ct_transformer_encoder_layer_forward: expected a TransformerEncoderLayer");
  CT_CHECK_NULL(src);
  if (ct__check_key_padding_mask_dtype(src_key_padding_mask) != CT_OK) return NULL;
  encoder_layer_module *m = (encoder_layer_module *)layer;
  ct_scope *s = ct_scope_open();
  if (!s) return NULL;
  ct_tensor *x = src;
  if (m->o.norm_first) {
    x = ct_add(x, sa_block(m, ct_module_forward(m->norm1, x), src_mask, src_key_padding_mask));
    x = ct_add(x, ff_block(m, ct_module_forward(m->norm2, x)));
  } else {
    x = ct_module_forward(m->norm1, ct_add(x, sa_block(m, x, src_mask, src_key_padding_mask)));
    x = ct_module_forward(m->norm2, ct_add(x, ff_block(m, x)));
  }
  x = ct_keep(x);
  ct_scope_close(s);
  return x;
}

// copy.deepcopy of a layer: the same options and parameter values, made without drawing
// from the global generator (its state is put back after the constructor's draws).
static ct_module *copy_layer(encoder_layer_module *src) {
  static _Thread_local unsigned char rng[CT_GENERATOR_STATE_SIZE];
  if (ct_get_rng_state(rng, sizeof rng) != CT_OK) return NULL;
  ct_module *copy = ct_transformer_encoder_layer_new(src->d_model, src->nhead, src->o);
  if (ct_set_rng_state(rng, sizeof rng) != CT_OK) {
    ct_module_free(copy);
    return NULL;
  }
  ct_named_list *state = copy ? ct_module_state_dict(&src->base) : NULL;
  ct_status st = state ? ct_module_load_state_dict(copy, state, true) : ct_last_status();
  ct_named_list_free(state);
  if (st != CT_OK) {
    ct_module_free(copy);
    return NULL;
  }
  ct_module_train(copy, src->base.training);
  return copy;
}

// ---- TransformerEncoder ----

typedef struct encoder_module {
  ct_module base;
  ct_module *layers, *norm; // children (norm may be NULL)
} encoder_module;

static ct_tensor *encoder_plain_forward(ct_module *self, ct_tensor *src) {
  return ct_transformer_encoder_forward(self, src, NULL, NULL);
}

static const ct_module_vtable encoder_vtable = {"TransformerEncoder", encoder_plain_forward, NULL, NULL};

ct_module *ct_transformer_encoder_new(ct_module *encoder_layer, int num_layers, ct_module *norm) {
  if (!encoder_layer || encoder_layer->vtable != &encoder_layer_vtable || num_layers < 1) {
    ct__error(CT_ERR_ARG,
              "TransformerEncoder: expected a TransformerEncoderLayer and num_layers >= 1, got %s and %d",
              encoder_layer ? encoder_layer->vtable->name : "NULL", num_layers);
    ct_module_free(encoder_layer);
    ct_module_free(norm);
    return NULL;
  }
  encoder_module *m = ct_module_new(sizeof *m, &encoder_vtable);
  ct_module *list = m ? ct_module_register_module(&m->base, "layers", ct_module_list_new(0, NULL)) : NULL;
  if (!list) {
    ct_module_free(encoder_layer);
    ct_module_free(norm);
    if (m) ct_module_free(&m->base);
    return NULL;
  }
  // from here m owns what it was given: registration keeps a child also when it fails
  bool ok = ct_module_list_append(list, encoder_layer) == CT_OK;
  for (int i = 1; ok && i < num_layers; i++)
    ok = ct_module_list_append(list, copy_layer((encoder_layer_module *)encoder_layer)) == CT_OK;
  if (ok && norm)
    ok = (m->norm = ct_module_register_module(&m->base, "norm", norm)) != NULL;
  else if (!ok)
    ct_module_free(norm);
  if (!ok) {
    ct_module_free(&m->base);
    return NULL;
  }
  m->layers = list;
  return &m->base;
}

ct_tensor *ct_transformer_encoder_forward(ct_module *encoder, ct_tensor *src, ct_tensor *mask,
                                          ct_tensor *src_key_padding_mask) {
  if (!encoder || encoder->vtable != &encoder_vtable)
    return ct__error_null(CT_ERR_ARG, "ct_transformer_encoder_forward: expected a TransformerEncoder");
  CT_CHECK_NULL(src);
  if (ct__check_key_padding_mask_dtype(src_key_padding_mask) != CT_OK) return NULL;
  encoder_module *m = (encoder_module *)encoder;
  ct_scope *s = ct_scope_open();
  if (!s) return NULL;
  ct_tensor *x = src;
  for (int i = 0; x && i < ct_module_num_children(m->layers); i++)
    x = ct_transformer_encoder_layer_forward(ct_module_child(m->layers, i), x, mask, src_key_padding_mask);
  if (m->norm) x = ct_module_forward(m->norm, x);
  x = ct_keep(x);
  ct_scope_close(s);
  return x;
}
