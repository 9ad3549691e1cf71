// Private pieces shared by the attention and transformer files.
#ifndef CTORCH_SRC_NN_ATTENTION_INTERNAL_H
#define CTORCH_SRC_NN_ATTENTION_INTERNAL_H
#include "ctorch/attention.h"

/// zeros(masked.shape, dtype).masked_fill_(masked, -inf): a bool mask (true = hidden) as
/// the additive bias attention adds to its scores.
ct_tensor *ct__bool_mask_to_bias(ct_tensor *masked, ct_dtype dtype);
/// "only bool and floating types of key_padding_mask are supported" unless the mask (if
/// any) is bool or floating: the check every attention module's forward starts with.
ct_status ct__check_key_padding_mask_dtype(const ct_tensor *key_padding_mask);
#endif
