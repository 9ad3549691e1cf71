// Optimizer lifetime and the shared step loop: parameters without .grad are skipped,
// state is created on a parameter's first step outside the caller's scopes, and
// non-contiguous parameters or gradients go through contiguous copies.
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/copy.h"
#include "core/device.h"
#include "core/error_impl.h"
#include "ctorch/print.h"
#include "ctorch/scope.h"
#include "kernels/dispatch.h"
#include "optim/optim_internal.h"

static const ct_optim_algorithm *algorithm_of(ct_optim_kind kind) {
  switch (kind) {
  case CT_OPTIM_SGD: return &ct__sgd_algorithm;
  case CT_OPTIM_ADAM: return &ct__adam_algorithm;
  default: return &ct__adamw_algorithm;
  }
}

ct_status ct__optim_invalid(const char *what, double v) {
  char num[64];
  ct_format_float(v, num, sizeof num);
  return ct__error(CT_ERR_ARG, "Invalid %s: %s", what, num);
}

ct_tensor *ct__optim_state_zeros(const ct_tensor *like, ct_dtype dtype) {
  // Created in a scope of its own and retained, so no scope of the caller owns it.
  ct_scope *s = ct_scope_open();
  if (!s) return NULL;
  ct_tensor *t = ct_retain(ct__alloc(dtype, like->ndim, like->shape));
  ct_scope_close(s);
  if (t) ct__kernels(t->storage->device)->memory->zero(ct__data(t), (size_t)ct_numel(t) * ct_dtype_size(dtype));
  return t;
}

static void free_state(ct_param_state *st) {
  for (int b = 0; b < CT_OPTIM_MAX_BUFFERS; b++) ct_release(st->buf[b]);
  memset(st, 0, sizeof *st);
}

void ct_optimizer_free(ct_optimizer *opt) {
  if (!opt) return;
  for (int i = 0; i < opt->n; i++) {
    ct_release(opt->params[i]);
    free_state(&opt->state[i]);
  }
  free(opt->params);
  free(opt->state_of);
  free(opt->state);
  free(opt);
}

ct_optimizer *ct__optimizer_new(ct_optim_kind kind, ct_tensor *const *params, int n, ct_optim_options options) {
  if (n <= 0) return ct__error_null(CT_ERR_ARG, "optimizer got an empty parameter list");
  if (!params) return ct__error_null(CT_ERR_ARG, "optimizer params is NULL");
  for (int i = 0; i < n; i++) {
    if (!params[i]) { // a failed call made it: keep its error, as every op given NULL does
      if (ct_last_status() != CT_OK) return NULL;
      return ct__error_null(CT_ERR_ARG, "optimizer can only optimize Tensors, but one of the params is NoneType");
    }
    if (params[i]->grad_fn) return ct__error_null(CT_ERR_ARG, "can't optimize a non-leaf Tensor");
  }
  ct_optimizer *opt = calloc(1, sizeof *opt);
  if (opt) {
    opt->params = calloc((size_t)n, sizeof *opt->params);
    opt->state_of = calloc((size_t)n, sizeof *opt->state_of);
    opt->state = calloc((size_t)n, sizeof *opt->state);
  }
  if (!opt || !opt->params || !opt->state_of || !opt->state) {
    ct_optimizer_free(opt);
    return ct__error_null(CT_ERR_MEMORY, "out of memory creating an optimizer");
  }
  opt->kind = kind;
  opt->algo = algorithm_of(kind);
  opt->options = options;
  opt->n = n;
  for (int i = 0; i < n; i++) {
    opt->params[i] = ct_retain(params[i]);
    // PyTorch keys state by tensor: a parameter listed twice has one state.
    int first = i;
    for (int j = 0; j < i; j++)
      if (params[j] == params[i]) {
        first = j;
        break;
      }
    opt->state_of[i] = first;
  }
  return opt;
}

// Creates the buffers the algorithm uses that do not exist yet (all of them on a
// parameter's first step), zero-filled and marked fresh for this step.
static ct_status ensure_state(const ct_optimizer *opt, ct_param_state *st, const ct_tensor *param) {
  for (int b = 0; b < CT_OPTIM_MAX_BUFFERS; b++) {
    st->fresh[b] = false;
    if (!opt->algo->uses_buffer(opt, b) || st->buf[b]) continue;
    st->buf[b] = ct__optim_state_zeros(param, param->dtype);
    if (!st->buf[b]) return ct_last_status();
    st->fresh[b] = true;
  }
  st->initialized = true;
  return CT_OK;
}

// One parameter: contiguous views of param and grad (copies when needed), the update,
// then the copy written back.
static ct_status step_param(ct_optimizer *opt, int i) {
  ct_tensor *param = opt->params[i], *grad = param->grad;
  if (!grad) return CT_OK;
  if (!ct_dtype_is_floating(param->dtype))
    return ct__error(CT_ERR_RUNTIME, "optimizer step: parameters must be floating point, got %s",
                     ct_dtype_name(param->dtype));
  if (ct__check_same_device(NULL, 2, (const ct_tensor *[]){param, grad}, false) != CT_OK) return ct_last_status();
  ct_param_state *st = &opt->state[opt->state_of[i]];
  if (ensure_state(opt, st, param) != CT_OK) return ct_last_status();
  bool direct = ct_is_contiguous(param) && ct_is_contiguous(grad);
  ct__bump_version(param); // torch's in-place update counts as a write
  if (direct) {
    opt->algo->update(opt, st, param, grad);
    return CT_OK;
  }
  ct_scope *s = ct_scope_open();
  if (!s) return ct_last_status();
  ct_tensor *p = ct_is_contiguous(param) ? param : ct__copy_as(param, param->dtype);
  ct_tensor *g = ct_is_contiguous(grad) ? grad : ct__copy_as(grad, grad->dtype);
  ct_status status = p && g ? CT_OK : ct_last_status();
  if (status == CT_OK) {
    opt->algo->update(opt, st, p, g);
    if (p != param) status = ct__copy_into(param, p);
  }
  ct_scope_close(s);
  return status;
}

ct_status ct_optimizer_step(ct_optimizer *opt) {
  if (!opt) return ct__error(CT_ERR_ARG, "optimizer is NULL");
  bool prev = ct_no_grad_enter();
  ct_status status = CT_OK;
  for (int i = 0; i < opt->n && status == CT_OK; i++) status = step_param(opt, i);
  ct_grad_mode_restore(prev);
  return status;
}

ct_status ct_optimizer_zero_grad(ct_optimizer *opt, bool set_to_none) {
  if (!opt) return ct__error(CT_ERR_ARG, "optimizer is NULL");
  for (int i = 0; i < opt->n; i++) {
    if (set_to_none) ct_set_grad(opt->params[i], NULL);
    else ct_zero_grad(opt->params[i]);
  }
  return CT_OK;
}

const char *ct_optimizer_name(const ct_optimizer *opt) { return opt ? opt->algo->name : NULL; }
int ct_optimizer_num_params(const ct_optimizer *opt) { return opt ? opt->n : 0; }

ct_tensor *ct_optimizer_param(const ct_optimizer *opt, int i) {
  return opt && i >= 0 && i < opt->n ? opt->params[i] : NULL;
}

double ct_optimizer_get_lr(const ct_optimizer *opt) {
  if (!opt) return NAN;
  return opt->kind == CT_OPTIM_SGD ? opt->options.sgd.lr : opt->options.adam.lr;
}

ct_status ct_optimizer_set_lr(ct_optimizer *opt, double lr) {
  if (!opt) return ct__error(CT_ERR_ARG, "optimizer is NULL");
  if (!(lr >= 0)) return ct__optim_invalid("learning rate", lr);
  if (opt->kind == CT_OPTIM_SGD) opt->options.sgd.lr = lr;
  else opt->options.adam.lr = lr;
  return CT_OK;
}
