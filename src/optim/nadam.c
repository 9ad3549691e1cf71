// torch.optim.NAdam: option checks (PyTorch's messages), state (a float32 step, the float32
// product of the momentum cache mu_product, two moments) and the per-parameter update.
#include <math.h>
#include "core/error_impl.h"
#include "kernels/dispatch.h"
#include "kernels/optim.h"
#include "optim/optim_internal.h"

enum { EXP_AVG, EXP_AVG_SQ };

static void nadam_update(const ct_optim_options *options, ct_param_state *st, ct_tensor *param,
                         const ct_tensor *grad) {
  const ct_nadam_options *o = &options->nadam;
  st->step += 1.0f;
  const double step = st->step, lr = o->lr;
  // The momentum cache mu_t and mu_{t+1}, in Python doubles.
  const double mu = o->beta1 * (1. - 0.5 * pow(0.96, step * o->momentum_decay));
  const double mu_next = o->beta1 * (1. - 0.5 * pow(0.96, (step + 1) * o->momentum_decay));
  // mu_product is a 0-d tensor: `mu_product *= mu` and `mu_product * mu * mu_next` round
  // the Python scalars and every product to its dtype (float32 unless a loaded state
  // dict cast it to the parameter's).
  double mu_product_next;
  if (st->mu_product_dtype == CT_FLOAT32) {
    const float product = (float)st->mu_product * (float)mu;
    st->mu_product = product;
    mu_product_next = product * (float)mu * (float)mu_next;
  } else {
    st->mu_product = st->mu_product * mu;
    mu_product_next = st->mu_product * mu * mu_next;
  }
  const ct_nadam_step s = {
      .beta1 = o->beta1,
      .beta2 = o->beta2,
      .eps = o->eps,
      .weight_decay = o->weight_decay,
      .bias_correction2 = 1 - pow(o->beta2, step),
      .grad_value = -lr * (1. - mu) / (1. - st->mu_product),
      .avg_value = -lr * mu_next / (1. - mu_product_next),
  };
  ct__kernels(param->storage->device)->optim->nadam[param->dtype](
      ct__data(param), ct__data(grad), ct__data(st->buf[EXP_AVG]), ct__data(st->buf[EXP_AVG_SQ]), ct_numel(param),
      &s);
}

#define FIELD(key, kind, member) CT_OPTION_FIELD(key, kind, ct_nadam_options, member)
const ct_optim_algorithm ct__nadam_algorithm = {
    .name = "NAdam",
    .buffer_keys = {"exp_avg", "exp_avg_sq", NULL},
    .step = CT_STEP_TENSOR,
    .has_mu_product = true,
    .fields = {FIELD("lr", CT_OPTION_FLOAT, lr), FIELD("betas", CT_OPTION_PAIR, beta1),
               FIELD("eps", CT_OPTION_FLOAT, eps), FIELD("weight_decay", CT_OPTION_FLOAT, weight_decay),
               FIELD("momentum_decay", CT_OPTION_FLOAT, momentum_decay),
               CT_OPTION_CONST("foreach", CT_OPTION_NONE, 0)},
    .update = nadam_update,
};

ct_nadam_options ct_nadam_defaults(void) {
  return (ct_nadam_options){.lr = 2e-3, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .momentum_decay = 4e-3};
}

ct_optimizer *ct_nadam_new(ct_tensor *const *params, int n, ct_nadam_options o) {
  bool ok = ct__optim_nonneg("learning rate", o.lr) && ct__optim_nonneg("epsilon value", o.eps) &&
            ct__optim_betas_ok(o.beta1, o.beta2) && ct__optim_nonneg("weight_decay value", o.weight_decay) &&
            ct__optim_nonneg("momentum_decay value", o.momentum_decay);
  return ok ? ct__optimizer_new(CT_OPTIM_NADAM, params, n, (ct_optim_options){.nadam = o}) : NULL;
}
