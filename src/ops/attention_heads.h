// Multi-head attention's core as one recorded op (kernels/attention.h): from the
// in-projection's outputs to the heads' weighted values, in F.multi_head_attention_forward's
// layout ([len, batch, embed_dim], heads side by side in the last dim).
#ifndef CTORCH_SRC_OPS_ATTENTION_HEADS_H
#define CTORCH_SRC_OPS_ATTENTION_HEADS_H
#include "core/tensor_impl.h"
#include <stdbool.h>

/// Where q, k and v lie: role r (0 q, 1 k, 2 v) is the columns from column_of[r] of
/// sources[source_of[r]], a [len, batch, width] tensor ([batch, len, width] with
/// batch_first); q and k have embed_dim columns, v value_dim (0: embed_dim). The roles of
/// one source follow each other from its column 0 and cover it (self attention: one
/// source holding q, k, v; key is value: two).
typedef struct ct__attention_heads_in {
  ct_tensor *sources[3];
  int n_sources;
  int source_of[3];
  int64_t column_of[3];
  int64_t embed_dim, value_dim, num_heads;
  bool batch_first;
  ct_tensor *mask; // float bias added to the scores, 3-D, broadcastable to [batch * heads, tgt, src]; or NULL
  bool causal;     // mask is ct__causal_bias(tgt, src) as [1, tgt, src] (not saved: rebuilt if needed)
} ct__attention_heads_in;

/// [tgt, src]: -inf where key j lies after query i (j > i), else 0: the bias of causal
/// attention (nn.Transformer.generate_square_subsequent_mask for a square one).
ct_tensor *ct__causal_bias(int64_t tgt, int64_t src, ct_dtype dtype);

/// Whether ct__attention_heads takes this input: the device has attention kernels whose
/// results are the composed ops' bits for these sizes, float32 throughout, a mask that
/// needs no gradient, sources laid out as described. Otherwise the caller runs the ops.
bool ct__attention_heads_fit(const ct__attention_heads_in *in);

/// softmax(mask + (q / sqrt(head_dim)) kᵀ) v for each head, as [tgt, batch, value_dim]
/// (contiguous; [batch, tgt, value_dim] with batch_first):
/// what F.multi_head_attention_forward computes from the projections up to its output
/// projection (dropout off), with its bits. Recorded as one node
/// (MultiheadAttentionCoreBackward) whose inputs are the sources.
ct_tensor *ct__attention_heads(const ct__attention_heads_in *in);

/// Tests: false makes ct__attention_heads_fit refuse everything (the composed ops run),
/// so that both paths can be compared.
void ct__attention_heads_enable(bool on);

#endif
