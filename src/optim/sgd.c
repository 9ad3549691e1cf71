// torch.optim.SGD: option checks (PyTorch's messages) and the per-parameter update.
#include "core/error_impl.h"
#include "kernels/dispatch.h"
#include "kernels/optim.h"
#include "optim/optim_internal.h"

enum { MOMENTUM_BUFFER };

static bool sgd_uses_buffer(const ct_optim_options *o, int b) {
  return b == MOMENTUM_BUFFER && o->sgd.momentum != 0;
}

static void sgd_update(const ct_optim_options *options, ct_param_state *st, ct_tensor *param, const ct_tensor *grad) {
  const ct_sgd_options *o = &options->sgd;
  ct_sgd_step s = {
      .lr = o->lr, .momentum = o->momentum, .dampening = o->dampening, .weight_decay = o->weight_decay,
      .nesterov = o->nesterov, .maximize = o->maximize, .first = st->fresh[MOMENTUM_BUFFER],
  };
  ct_tensor *buf = st->buf[MOMENTUM_BUFFER];
  ct__kernels(param->storage->device)->optim->sgd[param->dtype](ct__data(param), ct__data(grad),
                                                                buf ? ct__data(buf) : NULL, ct_numel(param), &s);
}

const ct_optim_algorithm ct__sgd_algorithm = {
    .name = "SGD",
    .buffer_keys = {"momentum_buffer", NULL, NULL},
    .step = CT_STEP_NONE,
    .fields = {CT_OPTION_FIELD("lr", CT_OPTION_FLOAT, ct_sgd_options, lr),
               CT_OPTION_FIELD("momentum", CT_OPTION_FLOAT, ct_sgd_options, momentum),
               CT_OPTION_FIELD("dampening", CT_OPTION_FLOAT, ct_sgd_options, dampening),
               CT_OPTION_FIELD("weight_decay", CT_OPTION_FLOAT, ct_sgd_options, weight_decay),
               CT_OPTION_FIELD("nesterov", CT_OPTION_BOOL, ct_sgd_options, nesterov),
               CT_OPTION_FIELD("maximize", CT_OPTION_BOOL, ct_sgd_options, maximize),
               CT_OPTION_CONST("foreach", CT_OPTION_NONE, 0), CT_OPTION_CONST("differentiable", CT_OPTION_BOOL, 0)},
    .update = sgd_update,
    .uses_buffer = sgd_uses_buffer,
};

ct_sgd_options ct_sgd_defaults(double lr) { return (ct_sgd_options){.lr = lr}; }

ct_optimizer *ct_sgd_new(ct_tensor *const *params, int n, ct_sgd_options o) {
  // The checks and their order are torch.optim.SGD.__init__'s (NaN passes, as in Python).
  if (o.lr < 0) return ct__optim_invalid("learning rate", o.lr), NULL;
  if (o.momentum < 0) return ct__optim_invalid("momentum value", o.momentum), NULL;
  if (o.weight_decay < 0) return ct__optim_invalid("weight_decay value", o.weight_decay), NULL;
  if (o.nesterov && (o.momentum <= 0 || o.dampening != 0))
    return ct__error_null(CT_ERR_ARG, "Nesterov momentum requires a momentum and zero dampening");
  return ct__optimizer_new(CT_OPTIM_SGD, params, n, (ct_optim_options){.sgd = o});
}
