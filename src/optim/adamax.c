// torch.optim.Adamax: option checks (PyTorch's messages), state (a float32 step, the first
// moment and the infinity norm) and the per-parameter update.
#include <math.h>
#include "core/error_impl.h"
#include "kernels/dispatch.h"
#include "kernels/optim.h"
#include "optim/optim_internal.h"

enum { EXP_AVG, EXP_INF };

static void adamax_update(const ct_optim_options *options, ct_param_state *st, ct_tensor *param,
                          const ct_tensor *grad) {
  const ct_adamax_options *o = &options->adamax;
  st->step += 1.0f;
  const double bias_correction = 1 - pow(o->beta1, st->step);
  const ct_adamax_step s = {.clr = o->lr / bias_correction, .beta1 = o->beta1, .beta2 = o->beta2, .eps = o->eps,
                            .weight_decay = o->weight_decay, .maximize = o->maximize};
  ct__kernels(param->storage->device)->optim->adamax[param->dtype](
      ct__data(param), ct__data(grad), ct__data(st->buf[EXP_AVG]), ct__data(st->buf[EXP_INF]), ct_numel(param), &s);
}

#define FIELD(key, kind, member) CT_OPTION_FIELD(key, kind, ct_adamax_options, member)
const ct_optim_algorithm ct__adamax_algorithm = {
    .name = "Adamax",
    .buffer_keys = {"exp_avg", "exp_inf", NULL},
    .step = CT_STEP_TENSOR,
    .fields = {FIELD("lr", CT_OPTION_FLOAT, lr), FIELD("betas", CT_OPTION_PAIR, beta1),
               FIELD("eps", CT_OPTION_FLOAT, eps), FIELD("weight_decay", CT_OPTION_FLOAT, weight_decay),
               CT_OPTION_CONST("foreach", CT_OPTION_NONE, 0), FIELD("maximize", CT_OPTION_BOOL, maximize)},
    .update = adamax_update,
};

ct_adamax_options ct_adamax_defaults(void) {
  return (ct_adamax_options){.lr = 2e-3, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8};
}

ct_optimizer *ct_adamax_new(ct_tensor *const *params, int n, ct_adamax_options o) {
  bool ok = ct__optim_nonneg("learning rate", o.lr) && ct__optim_nonneg("epsilon value", o.eps) &&
            ct__optim_betas_ok(o.beta1, o.beta2) && ct__optim_nonneg("weight_decay value", o.weight_decay);
  return ok ? ct__optimizer_new(CT_OPTIM_ADAMAX, params, n, (ct_optim_options){.adamax = o}) : NULL;
}
