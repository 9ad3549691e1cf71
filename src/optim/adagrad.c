// torch.optim.Adagrad: option checks (PyTorch's messages), state created when a parameter
// joins (a float32 step and the sum of squared gradients, starting at
// initial_accumulator_value) and the per-parameter update.
#include "core/error_impl.h"
#include "core/copy.h"
#include "kernels/dispatch.h"
#include "kernels/optim.h"
#include "optim/optim_internal.h"

enum { SUM };

// torch.full_like(p, initial_accumulator_value)
static ct_status adagrad_init_buffer(const ct_optim_options *o, int b, ct_tensor *buf) {
  (void)b;
  const double v = o->adagrad.initial_accumulator_value;
  return v == 0 ? CT_OK : ct__fill(buf, v);
}

static void adagrad_update(const ct_optim_options *options, ct_param_state *st, ct_tensor *param,
                           const ct_tensor *grad) {
  const ct_adagrad_options *o = &options->adagrad;
  st->step += 1.0f; // step_t += 1 on a float32 tensor, then step_t.item()
  const double step = st->step;
  const ct_adagrad_step s = {.clr = o->lr / (1 + (step - 1) * o->lr_decay), .eps = o->eps,
                             .weight_decay = o->weight_decay, .maximize = o->maximize};
  ct__kernels(param->storage->device)->optim->adagrad[param->dtype](ct__data(param), ct__data(grad),
                                                                    ct__data(st->buf[SUM]), ct_numel(param), &s);
}

#define FIELD(key, kind, member) CT_OPTION_FIELD(key, kind, ct_adagrad_options, member)
const ct_optim_algorithm ct__adagrad_algorithm = {
    .name = "Adagrad",
    .buffer_keys = {"sum", NULL, NULL},
    .step = CT_STEP_TENSOR,
    .eager_state = true,
    .fields = {FIELD("lr", CT_OPTION_FLOAT, lr), FIELD("lr_decay", CT_OPTION_FLOAT, lr_decay),
               FIELD("eps", CT_OPTION_FLOAT, eps), FIELD("weight_decay", CT_OPTION_FLOAT, weight_decay),
               FIELD("initial_accumulator_value", CT_OPTION_FLOAT, initial_accumulator_value),
               CT_OPTION_CONST("foreach", CT_OPTION_NONE, 0), FIELD("maximize", CT_OPTION_BOOL, maximize)},
    .update = adagrad_update,
    .init_buffer = adagrad_init_buffer,
};

ct_adagrad_options ct_adagrad_defaults(void) { return (ct_adagrad_options){.lr = 1e-2, .eps = 1e-10}; }

ct_optimizer *ct_adagrad_new(ct_tensor *const *params, int n, ct_adagrad_options o) {
  // torch.optim.Adagrad.__init__'s checks, in its order.
  bool ok = ct__optim_nonneg("learning rate", o.lr) && ct__optim_nonneg("lr_decay value", o.lr_decay) &&
            ct__optim_nonneg("weight_decay value", o.weight_decay) &&
            ct__optim_nonneg("initial_accumulator_value value", o.initial_accumulator_value) &&
            ct__optim_nonneg("epsilon value", o.eps);
  return ok ? ct__optimizer_new(CT_OPTIM_ADAGRAD, params, n, (ct_optim_options){.adagrad = o}) : NULL;
}
