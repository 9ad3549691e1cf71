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

const ct_optim_algorithm *ct__optim_algorithm(ct_optim_kind kind) {
  switch (kind) {
  case CT_OPTIM_SGD: return &ct__sgd_algorithm;
  case CT_OPTIM_ADAM: return &ct__adam_algorithm;
  case CT_OPTIM_ADAMW: return &ct__adamw_algorithm;
  case CT_OPTIM_RMSPROP: return &ct__rmsprop_algorithm;
  case CT_OPTIM_ADAGRAD: return &ct__adagrad_algorithm;
  case CT_OPTIM_ADAMAX: return &ct__adamax_algorithm;
  case CT_OPTIM_NADAM: return &ct__nadam_algorithm;
  default: return &ct__radam_algorithm;
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
  ct_tensor *t = ct_retain(ct__alloc_like(like, dtype, like->ndim, like->shape)); // on its parameter's device
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
  free(opt->groups);
  free(opt);
}

// Creates the buffers the group's options use that do not exist yet (all of them on a
// parameter's first step), initialised and marked fresh for this step.
static ct_status ensure_state(const ct_optim_algorithm *algo, const ct_optim_options *o, ct_param_state *st,
                              const ct_tensor *param) {
  if (!st->initialized && algo->has_mu_product) { // torch.tensor(1.)
    st->mu_product = 1.0;
    st->mu_product_dtype = CT_FLOAT32;
  }
  for (int b = 0; b < CT_OPTIM_MAX_BUFFERS; b++) {
    st->fresh[b] = false;
    const bool used = algo->uses_buffer ? algo->uses_buffer(o, b) : algo->buffer_keys[b] != NULL;
    if (!used || st->buf[b]) continue;
    st->buf[b] = ct__optim_state_zeros(param, param->dtype);
    if (!st->buf[b]) return ct_last_status();
    if (algo->init_buffer && algo->init_buffer(o, b, st->buf[b]) != CT_OK) return ct_last_status();
    st->fresh[b] = true;
  }
  st->initialized = true;
  return CT_OK;
}

// The checks of one new group's parameters, as add_param_group makes them.
static ct_status check_new_params(const ct_optimizer *opt, ct_tensor *const *params, int n) {
  if (n < 0) return ct__error(CT_ERR_ARG, "optimizer got an empty parameter list");
  if (n > 0 && !params) return ct__error(CT_ERR_ARG, "optimizer params is NULL");
  for (int i = 0; i < n; i++) {
    if (!params[i]) { // a failed call made it: keep its error, as every op given NULL does
      if (ct_last_status() != CT_OK) return ct_last_status();
      return ct__error(CT_ERR_ARG, "optimizer can only optimize Tensors, but one of the params is NoneType");
    }
    if (params[i]->grad_fn) return ct__error(CT_ERR_ARG, "can't optimize a non-leaf Tensor");
    for (int j = 0; j < opt->n; j++)
      if (opt->params[j] == params[i])
        return ct__error(CT_ERR_ARG, "some parameters appear in more than one parameter group");
  }
  return CT_OK;
}

// Grows one array of `count` elements of `size` bytes to `total`, keeping the old one on failure.
static bool grow(void **array, int count, int total, size_t size) {
  void *bigger = calloc((size_t)total, size);
  if (!bigger) return false;
  if (count) memcpy(bigger, *array, (size_t)count * size);
  free(*array);
  *array = bigger;
  return true;
}

ct_status ct__optimizer_append_group(ct_optimizer *opt, ct_tensor *const *params, int n, ct_optim_options options) {
  if (check_new_params(opt, params, n) != CT_OK) return ct_last_status();
  const int total = opt->n + n;
  bool ok = grow((void **)&opt->params, opt->n, total > 0 ? total : 1, sizeof *opt->params) &&
            grow((void **)&opt->state_of, opt->n, total > 0 ? total : 1, sizeof *opt->state_of) &&
            grow((void **)&opt->state, opt->n, total > 0 ? total : 1, sizeof *opt->state) &&
            grow((void **)&opt->groups, opt->n_groups, opt->n_groups + 1, sizeof *opt->groups);
  if (!ok) return ct__error(CT_ERR_MEMORY, "out of memory adding a parameter group");
  const int first = opt->n;
  for (int i = 0; i < n; i++) {
    // PyTorch keys state by tensor: a parameter listed twice in its group has one state.
    int k = first + i, same = k;
    for (int j = first; j < k; j++)
      if (params[j - first] == params[i]) {
        same = j;
        break;
      }
    opt->params[k] = params[i];
    opt->state_of[k] = same;
  }
  ct_status status = CT_OK;
  for (int k = first; k < total && status == CT_OK && opt->algo->eager_state; k++)
    if (opt->state_of[k] == k) // Adagrad.__init__ fills every group's state from its own arguments
      status = ensure_state(opt->algo, &opt->defaults, &opt->state[k], opt->params[k]);
  if (status != CT_OK) { // leave opt as it was
    for (int k = first; k < total; k++) free_state(&opt->state[k]);
    return status;
  }
  for (int k = first; k < total; k++) ct_retain(opt->params[k]);
  opt->groups[opt->n_groups++] = (ct_param_group){.options = options, .first = first, .count = n};
  opt->n = total;
  return CT_OK;
}

ct_optimizer *ct__optimizer_new(ct_optim_kind kind, ct_tensor *const *params, int n, ct_optim_options options) {
  if (n <= 0) return ct__error_null(CT_ERR_ARG, "optimizer got an empty parameter list");
  if (!params) return ct__error_null(CT_ERR_ARG, "optimizer params is NULL");
  ct_optimizer *opt = calloc(1, sizeof *opt);
  if (!opt) return ct__error_null(CT_ERR_MEMORY, "out of memory creating an optimizer");
  opt->kind = kind;
  opt->algo = ct__optim_algorithm(kind);
  opt->defaults = options;
  if (ct__optimizer_append_group(opt, params, n, options) != CT_OK) {
    ct_optimizer_free(opt);
    return NULL;
  }
  return opt;
}

// One parameter: contiguous views of param and grad (copies when needed), the update,
// then the copy written back.
static ct_status step_param(ct_optimizer *opt, const ct_optim_options *o, int i) {
  ct_tensor *param = opt->params[i], *grad = param->grad;
  if (!grad) return CT_OK;
  if (!ct_dtype_is_floating(param->dtype))
    return ct__error(CT_ERR_RUNTIME, "optimizer step: parameters must be floating point, got %s",
                     ct_dtype_name(param->dtype));
  if (ct__check_same_device(NULL, 2, (const ct_tensor *[]){param, grad}, false) != CT_OK) return ct_last_status();
  ct_param_state *st = &opt->state[opt->state_of[i]];
  if (ensure_state(opt->algo, o, st, param) != CT_OK) return ct_last_status();
  bool direct = ct_is_contiguous(param) && ct_is_contiguous(grad);
  ct__bump_version(param); // torch's in-place update counts as a write
  if (direct) {
    opt->algo->update(o, st, param, grad);
    return CT_OK;
  }
  ct_scope *s = ct_scope_open();
  if (!s) return ct_last_status();
  ct_tensor *p = ct_is_contiguous(param) ? param : ct__copy_as(param, param->dtype);
  ct_tensor *g = ct_is_contiguous(grad) ? grad : ct__copy_as(grad, grad->dtype);
  ct_status status = p && g ? CT_OK : ct_last_status();
  if (status == CT_OK) {
    opt->algo->update(o, st, p, g);
    if (p != param) status = ct__copy_into(param, p);
  }
  ct_scope_close(s);
  return status;
}

ct_status ct_optimizer_step(ct_optimizer *opt) {
  if (!opt) return ct__error(CT_ERR_ARG, "optimizer is NULL");
  bool prev = ct_no_grad_enter();
  ct_status status = CT_OK;
  for (int g = 0; g < opt->n_groups; g++) {
    const ct_param_group *group = &opt->groups[g];
    for (int i = group->first; i < group->first + group->count && status == CT_OK; i++)
      status = step_param(opt, &group->options, i);
  }
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

double ct_optimizer_get_lr(const ct_optimizer *opt) { return ct_optimizer_get_group_lr(opt, 0); }

ct_status ct_optimizer_set_lr(ct_optimizer *opt, double lr) {
  if (!opt) return ct__error(CT_ERR_ARG, "optimizer is NULL");
  if (!(lr >= 0)) return ct__optim_invalid("learning rate", lr);
  for (int g = 0; g < opt->n_groups; g++) ct_optimizer_set_group_lr(opt, g, lr);
  return CT_OK;
}
