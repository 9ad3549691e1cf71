/// @file attention.h
/// @brief Attention and transformers: scaled_dot_product_attention, nn.MultiheadAttention,
/// nn.TransformerEncoderLayer, nn.TransformerEncoder and the causal mask.
///
/// Modules follow PyTorch 1.13: the same constructor arguments and checks, parameter names
/// (`in_proj_weight`, `out_proj.weight`, `layers.0.self_attn.in_proj_bias`, ...), shapes,
/// initial draws after the same ct_manual_seed, reprs and forward math, so state dicts move
/// between the two. A module's plain forward (ct_module_forward) takes one tensor (self
/// attention without masks); the *_forward functions take the masks.
///
/// ```c
/// ct_transformer_encoder_layer_options o = ct_transformer_encoder_layer_defaults();
/// o.batch_first = true;
/// ct_module *enc = ct_transformer_encoder_new(ct_transformer_encoder_layer_new(64, 4, o), 2, NULL);
/// ct_tensor *causal = ct_generate_square_subsequent_mask(16);
/// ct_tensor *y = ct_transformer_encoder_forward(enc, x, causal, NULL); // x: [batch, 16, 64]
/// ```
#ifndef CTORCH_ATTENTION_H
#define CTORCH_ATTENTION_H
#include "ctorch/nn.h"
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/// torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask, dropout_p,
/// is_causal) with PyTorch 2's semantics: softmax(q kᵀ / sqrt(E) + bias) v over the last two
/// dims, any leading (broadcast) batch dims. q [..., L, E], k [..., S, E], v [..., S, Ev].
/// attn_mask (NULL for none) broadcasts to [..., L, S]: a bool mask keeps the positions that
/// are true (the others get -inf), a float mask is added. is_causal masks j > i (then
/// attn_mask must be NULL). dropout_p > 0 drops attention weights with PyTorch's draws.
/// The matrix products run on the bmm GEMM path and the softmax on its kernels.
CT_API ct_tensor *ct_scaled_dot_product_attention(ct_tensor *query, ct_tensor *key, ct_tensor *value,
                                                  ct_tensor *attn_mask, double dropout_p, bool is_causal);

/// nn.Transformer.generate_square_subsequent_mask(sz): float32 [sz, sz], -inf above the
/// diagonal and 0 elsewhere (the causal mask).
CT_API ct_tensor *ct_generate_square_subsequent_mask(int64_t sz);

/// Options of nn.MultiheadAttention; ct_multihead_attention_defaults() gives PyTorch's.
typedef struct ct_multihead_attention_options {
  double dropout;   ///< dropout on the attention weights in training (0)
  bool bias;        ///< in_proj_bias and out_proj.bias (true)
  bool batch_first; ///< inputs [batch, seq, feature] rather than [seq, batch, feature] (false)
  int64_t kdim;     ///< key features; 0 means embed_dim (PyTorch's None)
  int64_t vdim;     ///< value features; 0 means embed_dim (PyTorch's None)
} ct_multihead_attention_options;
/// dropout 0, bias true, batch_first false, kdim = vdim = embed_dim.
CT_API ct_multihead_attention_options ct_multihead_attention_defaults(void);

/// nn.MultiheadAttention(embed_dim, num_heads, dropout, bias, kdim=, vdim=, batch_first=).
/// Parameters: in_proj_weight [3E, E] (or q_proj_weight [E, E], k_proj_weight [E, kdim],
/// v_proj_weight [E, vdim] when kdim or vdim differ from E), in_proj_bias [3E], and the
/// child out_proj (a Linear printed NonDynamicallyQuantizableLinear). Draws as PyTorch's:
/// out_proj's Linear init, then xavier_uniform_ of the projection weights; the biases are
/// zeroed. "embed_dim must be divisible by num_heads". The plain forward is self attention
/// without masks, returning the output only.
CT_API ct_module *ct_multihead_attention_new(int64_t embed_dim, int64_t num_heads,
                                             ct_multihead_attention_options o);

/// Arguments of MultiheadAttention.forward beyond query, key and value;
/// ct_multihead_attention_forward_defaults() gives PyTorch's.
typedef struct ct_multihead_attention_args {
  ct_tensor *key_padding_mask; ///< [batch, S] (or [S] unbatched): bool (true = ignore) or float (added); NULL
  bool need_weights;           ///< return the attention weights (true)
  ct_tensor *attn_mask;      ///< [L, S] or [batch * heads, L, S]: bool (true = masked) or float (added); NULL
  bool average_attn_weights; ///< weights averaged over heads, else per head (true)
} ct_multihead_attention_args;
/// No masks, need_weights and average_attn_weights true.
CT_API ct_multihead_attention_args ct_multihead_attention_forward_defaults(void);

/// MultiheadAttention.forward(query, key, value, ...): query [L, N, E] ([N, L, E] with
/// batch_first, [L, E] unbatched), key [S, N, kdim], value [S, N, vdim]. Returns the output
/// like query; when args->need_weights and attn_weights is not NULL, *attn_weights gets the
/// weights [N, L, S] (averaged) or [N, heads, L, S] ([L, S] / [heads, L, S] unbatched), else
/// NULL. args NULL means the defaults. PyTorch's checks and messages ("was expecting
/// embedding dimension of 4, but got 3", "The shape of the 2D attn_mask is torch.Size([3,
/// 4]), but should be (4, 4).", "only bool and floating types of key_padding_mask are
/// supported", ...). Passing the same tensor as query, key and value takes PyTorch's
/// self-attention path (one packed projection).
CT_API ct_tensor *ct_multihead_attention_forward(ct_module *mha, ct_tensor *query, ct_tensor *key,
                                                 ct_tensor *value, const ct_multihead_attention_args *args,
                                                 ct_tensor **attn_weights);

/// Options of nn.TransformerEncoderLayer; ct_transformer_encoder_layer_defaults() gives PyTorch's.
typedef struct ct_transformer_encoder_layer_options {
  int64_t dim_feedforward; ///< hidden size of the feed-forward block (2048)
  double dropout;          ///< dropout in attention and after each block (0.1)
  const char *activation;  ///< "relu" or "gelu" ("relu")
  double layer_norm_eps;   ///< eps of norm1 and norm2 (1e-5)
  bool batch_first;        ///< [batch, seq, feature] inputs (false)
  bool norm_first;         ///< pre-norm: x + sa(norm1(x)), x + ff(norm2(x)) (false)
} ct_transformer_encoder_layer_options;
/// dim_feedforward 2048, dropout 0.1, relu, eps 1e-5, batch_first and norm_first false.
CT_API ct_transformer_encoder_layer_options ct_transformer_encoder_layer_defaults(void);

/// nn.TransformerEncoderLayer(d_model, nhead, ...): children self_attn (MultiheadAttention),
/// linear1, dropout, linear2, norm1, norm2, dropout1, dropout2 in PyTorch's order (so its
/// draws and state dict). "activation should be relu/gelu, not tanh". The plain forward has
/// no masks.
CT_API ct_module *ct_transformer_encoder_layer_new(int64_t d_model, int64_t nhead,
                                                   ct_transformer_encoder_layer_options o);
/// TransformerEncoderLayer.forward(src, src_mask, src_key_padding_mask): the masks as
/// MultiheadAttention's attn_mask and key_padding_mask (NULL for none).
CT_API ct_tensor *ct_transformer_encoder_layer_forward(ct_module *layer, ct_tensor *src, ct_tensor *src_mask,
                                                       ct_tensor *src_key_padding_mask);

/// nn.TransformerEncoder(encoder_layer, num_layers, norm): children layers (a ModuleList of
/// num_layers TransformerEncoderLayers with the given layer's options and parameter values,
/// as PyTorch's deep copies: no draws) and norm (optional, may be NULL). Takes ownership of
/// encoder_layer (it becomes layers.0) and of norm, also on failure. num_layers >= 1.
CT_API ct_module *ct_transformer_encoder_new(ct_module *encoder_layer, int num_layers, ct_module *norm);
/// TransformerEncoder.forward(src, mask, src_key_padding_mask): each layer in turn with the
/// masks, then norm.
CT_API ct_tensor *ct_transformer_encoder_forward(ct_module *encoder, ct_tensor *src, ct_tensor *mask,
                                                 ct_tensor *src_key_padding_mask);

#ifdef __cplusplus
}
#endif
#endif
