// torch.optim.Adam and AdamW: option checks (PyTorch's messages), state['step'] as a
// float32 counter, and the per-parameter update.
#include "core/error_impl.h"
#include "kernels/dispatch.h"
#include "kernels/optim.h"
#include "optim/optim_internal.h"

enum { EXP_AVG, EXP_AVG_SQ, MAX_EXP_AVG_SQ };

static bool adam_uses_buffer(const ct_optimizer *opt, int b) {
  return b != MAX_EXP_AVG_SQ || opt->options.adam.amsgrad;
}

static void adam_update(const ct_optimizer *opt, ct_param_state *st, ct_tensor *param, const ct_tensor *grad) {
  const ct_adam_options *o = &opt->options.adam;
  st->step += 1.0f; // PyTorch: step_t += 1 on a float32 tensor, then step_t.item()
  ct_adam_step s = {
      .lr = o->lr, .beta1 = o->beta1, .beta2 = o->beta2, .eps = o->eps, .weight_decay = o->weight_decay,
      .step = st->step, .amsgrad = o->amsgrad, .maximize = o->maximize, .decoupled = opt->kind == CT_OPTIM_ADAMW,
  };
  ct_tensor *vmax = o->amsgrad ? st->buf[MAX_EXP_AVG_SQ] : NULL;
  ct__kernels(param->storage->device)->optim->adam[param->dtype](
      ct__data(param), ct__data(grad), ct__data(st->buf[EXP_AVG]), ct__data(st->buf[EXP_AVG_SQ]),
      vmax ? ct__data(vmax) : NULL, ct_numel(param), &s);
}

// Adam and AdamW share state and update (adam_update decouples the decay for AdamW).
#define ADAM_ALGORITHM(NAME)                                                                                 \
  {                                                                                                          \
    .name = NAME, .buffer_keys = {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}, .has_step = true,              \
    .update = adam_update, .uses_buffer = adam_uses_buffer,                                                  \
  }
const ct_optim_algorithm ct__adam_algorithm = ADAM_ALGORITHM("Adam");
const ct_optim_algorithm ct__adamw_algorithm = ADAM_ALGORITHM("AdamW");

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
  if (!(0.0 <= o->lr)) return ct__optim_invalid("learning rate", o->lr), false;
  if (!(0.0 <= o->eps)) return ct__optim_invalid("epsilon value", o->eps), false;
  if (!(0.0 <= o->beta1 && o->beta1 < 1.0)) return ct__optim_invalid("beta parameter at index 0", o->beta1), false;
  if (!(0.0 <= o->beta2 && o->beta2 < 1.0)) return ct__optim_invalid("beta parameter at index 1", o->beta2), false;
  if (!(0.0 <= o->weight_decay)) return ct__optim_invalid("weight_decay value", o->weight_decay), false;
  return true;
}

ct_optimizer *ct_adam_new(ct_tensor *const *params, int n, ct_adam_options o) {
  if (!adam_options_ok(&o)) return NULL;
  return ct__optimizer_new(CT_OPTIM_ADAM, params, n, (ct_optim_options){.adam = o});
}

ct_optimizer *ct_adamw_new(ct_tensor *const *params, int n, ct_adam_options o) {
  if (!adam_options_ok(&o)) return NULL;
  return ct__optimizer_new(CT_OPTIM_ADAMW, params, n, (ct_optim_options){.adam = o});
}
