// torch.optim.RMSprop: option checks (PyTorch's messages), state (an int step, the squared-
// gradient average, momentum buffer and gradient average as the options need them) and
// the per-parameter update.
#include "core/error_impl.h"
#include "kernels/dispatch.h"
#include "kernels/optim.h"
#include "optim/optim_internal.h"

enum { SQUARE_AVG, MOMENTUM_BUFFER, GRAD_AVG };

static bool rmsprop_uses_buffer(const ct_optim_options *o, int b) {
  return b == SQUARE_AVG || (b == MOMENTUM_BUFFER && o->rmsprop.momentum > 0) ||
         (b == GRAD_AVG && o->rmsprop.centered);
}

static void rmsprop_update(const ct_optim_options *options, ct_param_state *st, ct_tensor *param,
                           const ct_tensor *grad) {
  const ct_rmsprop_options *o = &options->rmsprop;
  st->int_step += 1;
  const ct_rmsprop_step s = {.lr = o->lr, .alpha = o->alpha, .eps = o->eps, .weight_decay = o->weight_decay,
                             .momentum = o->momentum, .centered = o->centered, .maximize = o->maximize};
  ct_tensor *ga = o->centered ? st->buf[GRAD_AVG] : NULL, *buf = o->momentum > 0 ? st->buf[MOMENTUM_BUFFER] : NULL;
  ct__kernels(param->storage->device)->optim->rmsprop[param->dtype](
      ct__data(param), ct__data(grad), ct__data(st->buf[SQUARE_AVG]), ga ? ct__data(ga) : NULL,
      buf ? ct__data(buf) : NULL, ct_numel(param), &s);
}

#define FIELD(key, kind, member) CT_OPTION_FIELD(key, kind, ct_rmsprop_options, member)
const ct_optim_algorithm ct__rmsprop_algorithm = {
    .name = "RMSprop",
    .buffer_keys = {"square_avg", "momentum_buffer", "grad_avg"},
    .step = CT_STEP_INT,
    .fields = {FIELD("lr", CT_OPTION_FLOAT, lr), FIELD("momentum", CT_OPTION_FLOAT, momentum),
               FIELD("alpha", CT_OPTION_FLOAT, alpha), FIELD("eps", CT_OPTION_FLOAT, eps),
               FIELD("centered", CT_OPTION_BOOL, centered), FIELD("weight_decay", CT_OPTION_FLOAT, weight_decay),
               CT_OPTION_CONST("foreach", CT_OPTION_NONE, 0), FIELD("maximize", CT_OPTION_BOOL, maximize),
               CT_OPTION_CONST("differentiable", CT_OPTION_BOOL, 0)},
    .update = rmsprop_update,
    .uses_buffer = rmsprop_uses_buffer,
};

ct_rmsprop_options ct_rmsprop_defaults(void) {
  return (ct_rmsprop_options){.lr = 1e-2, .alpha = 0.99, .eps = 1e-8};
}

ct_optimizer *ct_rmsprop_new(ct_tensor *const *params, int n, ct_rmsprop_options o) {
  // torch.optim.RMSprop.__init__'s checks, in its order.
  bool ok = ct__optim_nonneg("learning rate", o.lr) && ct__optim_nonneg("epsilon value", o.eps) &&
            ct__optim_nonneg("momentum value", o.momentum) &&
            ct__optim_nonneg("weight_decay value", o.weight_decay) && ct__optim_nonneg("alpha value", o.alpha);
  return ok ? ct__optimizer_new(CT_OPTIM_RMSPROP, params, n, (ct_optim_options){.rmsprop = o}) : NULL;
}
