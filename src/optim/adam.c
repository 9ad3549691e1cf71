// torch.optim.Adam and AdamW: option checks (PyTorch's messages), state['step'] as a
// float32 counter, and the per-parameter update.
#include "core/error_impl.h"
#include "kernels/dispatch.h"
#include "kernels/optim.h"
#include "optim/optim_internal.h"

enum { EXP_AVG, EXP_AVG_SQ, MAX_EXP_AVG_SQ };

static bool adam_uses_buffer(const ct_optim_options *o, int b) {
  return b != MAX_EXP_AVG_SQ || o->adam.amsgrad;
}

// Adam and AdamW share state and update; AdamW's weight decay is decoupled.
static void adam_or_adamw_update(const ct_adam_options *o, bool decoupled, ct_param_state *st, ct_tensor *param,
                                 const ct_tensor *grad) {
  st->step += 1.0f; // PyTorch: step_t += 1 on a float32 tensor, then step_t.item()
  ct_adam_step s = {
      .lr = o->lr, .beta1 = o->beta1, .beta2 = o->beta2, .eps = o->eps, .weight_decay = o->weight_decay,
      .step = st->step, .amsgrad = o->amsgrad, .maximize = o->maximize, .decoupled = decoupled,
  };
  ct_tensor *vmax = o->amsgrad ? st->buf[MAX_EXP_AVG_SQ] : NULL;
  ct__kernels(param->storage->device)->optim->adam[param->dtype](
      ct__data(param), ct__data(grad), ct__data(st->buf[EXP_AVG]), ct__data(st->buf[EXP_AVG_SQ]),
      vmax ? ct__data(vmax) : NULL, ct_numel(param), &s);
}

static void adam_update(const ct_optim_options *o, ct_param_state *st, ct_tensor *param, const ct_tensor *grad) {
  adam_or_adamw_update(&o->adam, false, st, param, grad);
}

static void adamw_update(const ct_optim_options *o, ct_param_state *st, ct_tensor *param, const ct_tensor *grad) {
  adam_or_adamw_update(&o->adam, true, st, param, grad);
}

#define ADAM_FIELD(key, kind, member) CT_OPTION_FIELD(key, kind, ct_adam_options, member)
const ct_optim_algorithm ct__adam_algorithm = {
    .name = "Adam",
    .buffer_keys = {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"},
    .step = CT_STEP_TENSOR,
    .fields = {ADAM_FIELD("lr", CT_OPTION_FLOAT, lr), ADAM_FIELD("betas", CT_OPTION_PAIR, beta1),
               ADAM_FIELD("eps", CT_OPTION_FLOAT, eps), ADAM_FIELD("weight_decay", CT_OPTION_FLOAT, weight_decay),
               ADAM_FIELD("amsgrad", CT_OPTION_BOOL, amsgrad), ADAM_FIELD("maximize", CT_OPTION_BOOL, maximize),
               CT_OPTION_CONST("foreach", CT_OPTION_NONE, 0), CT_OPTION_CONST("capturable", CT_OPTION_BOOL, 0),
               CT_OPTION_CONST("differentiable", CT_OPTION_BOOL, 0), CT_OPTION_CONST("fused", CT_OPTION_BOOL, 0)},
    .update = adam_update,
    .uses_buffer = adam_uses_buffer,
};
// AdamW's group dict has fewer keys, in another order.
const ct_optim_algorithm ct__adamw_algorithm = {
    .name = "AdamW",
    .buffer_keys = {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"},
    .step = CT_STEP_TENSOR,
    .fields = {ADAM_FIELD("lr", CT_OPTION_FLOAT, lr), ADAM_FIELD("betas", CT_OPTION_PAIR, beta1),
               ADAM_FIELD("eps", CT_OPTION_FLOAT, eps), ADAM_FIELD("weight_decay", CT_OPTION_FLOAT, weight_decay),
               ADAM_FIELD("amsgrad", CT_OPTION_BOOL, amsgrad), CT_OPTION_CONST("foreach", CT_OPTION_NONE, 0),
               ADAM_FIELD("maximize", CT_OPTION_BOOL, maximize), CT_OPTION_CONST("capturable", CT_OPTION_BOOL, 0)},
    .update = adamw_update,
    .uses_buffer = adam_uses_buffer,
};

ct_adam_options ct_adam_defaults(void) {
  return (ct_adam_options){.lr = 1e-3, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8};
}

ct_adam_options ct_adamw_defaults(void) {
  ct_adam_options o = ct_adam_defaults();
  o.weight_decay = 1e-2;
  return o;
}

// torch.optim.Adam/AdamW.__init__'s checks, in order; written as `not 0.0 <= x` so NaN fails.
static bool adam_options_ok(const ct_adam_options *o) {
  return ct__optim_nonneg("learning rate", o->lr) && ct__optim_nonneg("epsilon value", o->eps) &&
         ct__optim_betas_ok(o->beta1, o->beta2) && ct__optim_nonneg("weight_decay value", o->weight_decay);
}

ct_optimizer *ct_adam_new(ct_tensor *const *params, int n, ct_adam_options o) {
  if (!adam_options_ok(&o)) return NULL;
  return ct__optimizer_new(CT_OPTIM_ADAM, params, n, (ct_optim_options){.adam = o});
}

ct_optimizer *ct_adamw_new(ct_tensor *const *params, int n, ct_adam_options o) {
  if (!adam_options_ok(&o)) return NULL;
  return ct__optimizer_new(CT_OPTIM_ADAMW, params, n, (ct_optim_options){.adam = o});
}
