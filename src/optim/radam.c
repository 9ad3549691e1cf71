// torch.optim.RAdam: option checks (PyTorch's messages), state (a float32 step, two
// moments) and the per-parameter update with PyTorch's variance rectification.
#include <math.h>
#include "core/error_impl.h"
#include "kernels/dispatch.h"
#include "kernels/optim.h"
#include "optim/optim_internal.h"

enum { EXP_AVG, EXP_AVG_SQ };

static void radam_update(const ct_optim_options *options, ct_param_state *st, ct_tensor *param,
                         const ct_tensor *grad) {
  const ct_radam_options *o = &options->radam;
  st->step += 1.0f;
  const double step = st->step, beta2 = o->beta2;
  const double bias_correction1 = 1 - pow(o->beta1, step), bias_correction2 = 1 - pow(beta2, step);
  // The length of the approximated simple moving average, its maximum and the
  // rectification term, as radam.py computes them in Python doubles.
  const double rho_inf = 2 / (1 - beta2) - 1;
  const double rho_t = rho_inf - 2 * step * pow(beta2, step) / bias_correction2;
  ct_radam_step s = {.lr = o->lr, .beta1 = o->beta1, .beta2 = beta2, .eps = o->eps,
                     .weight_decay = o->weight_decay, .bias_correction1 = bias_correction1, .rectify = rho_t > 5.};
  if (s.rectify) {
    s.rect = sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t));
    s.sqrt_bias_correction2 = sqrt(bias_correction2);
  }
  ct__kernels(param->storage->device)->optim->radam[param->dtype](
      ct__data(param), ct__data(grad), ct__data(st->buf[EXP_AVG]), ct__data(st->buf[EXP_AVG_SQ]), ct_numel(param),
      &s);
}

#define FIELD(key, kind, member) CT_OPTION_FIELD(key, kind, ct_radam_options, member)
const ct_optim_algorithm ct__radam_algorithm = {
    .name = "RAdam",
    .buffer_keys = {"exp_avg", "exp_avg_sq", NULL},
    .step = CT_STEP_TENSOR,
    .fields = {FIELD("lr", CT_OPTION_FLOAT, lr), FIELD("betas", CT_OPTION_PAIR, beta1),
               FIELD("eps", CT_OPTION_FLOAT, eps), FIELD("weight_decay", CT_OPTION_FLOAT, weight_decay),
               CT_OPTION_CONST("foreach", CT_OPTION_NONE, 0)},
    .update = radam_update,
};

ct_radam_options ct_radam_defaults(void) {
  return (ct_radam_options){.lr = 1e-3, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8};
}

ct_optimizer *ct_radam_new(ct_tensor *const *params, int n, ct_radam_options o) {
  bool ok = ct__optim_nonneg("learning rate", o.lr) && ct__optim_nonneg("epsilon value", o.eps) &&
            ct__optim_betas_ok(o.beta1, o.beta2) && ct__optim_nonneg("weight_decay value", o.weight_decay);
  return ok ? ct__optimizer_new(CT_OPTIM_RADAM, params, n, (ct_optim_options){.radam = o}) : NULL;
}
