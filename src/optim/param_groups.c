// Parameter groups (PyTorch's optimizer.param_groups): add_param_group, and a group's
// options read and written by PyTorch's key names through each algorithm's field table.
#include <math.h>
#include <string.h>
#include "core/error_impl.h"
#include "optim/optim_internal.h"

// ct_optimizer_get_group_lr reads lr through any member of the options union.
_Static_assert(offsetof(ct_adam_options, lr) == 0 && offsetof(ct_rmsprop_options, lr) == 0 &&
                   offsetof(ct_adagrad_options, lr) == 0 && offsetof(ct_adamax_options, lr) == 0 &&
                   offsetof(ct_nadam_options, lr) == 0 && offsetof(ct_radam_options, lr) == 0 &&
                   offsetof(ct_sgd_options, lr) == 0,
               "lr is the first member of every optimizer's options");

bool ct__optim_nonneg(const char *what, double v) {
  if (0.0 <= v) return true;
  ct__optim_invalid(what, v);
  return false;
}

bool ct__optim_betas_ok(double beta1, double beta2) {
  if (!(0.0 <= beta1 && beta1 < 1.0)) return ct__optim_invalid("beta parameter at index 0", beta1), false;
  if (!(0.0 <= beta2 && beta2 < 1.0)) return ct__optim_invalid("beta parameter at index 1", beta2), false;
  return true;
}

const ct_option_field *ct__optim_field(const ct_optim_algorithm *algo, const char *key) {
  for (const ct_option_field *f = algo->fields; f->key; f++)
    if (!strcmp(f->key, key)) return f;
  return NULL;
}

ct_group_option ct__optim_field_get(const ct_option_field *f, const ct_optim_options *o) {
  ct_group_option out = {.key = f->key, .kind = f->kind, .value = f->constant};
  if (f->offset < 0) return out;
  const char *base = (const char *)o + f->offset;
  if (f->kind == CT_OPTION_BOOL) {
    bool b;
    memcpy(&b, base, sizeof b);
    out.value = b;
  } else {
    memcpy(&out.value, base, sizeof out.value);
    if (f->kind == CT_OPTION_PAIR) memcpy(&out.value2, base + sizeof(double), sizeof out.value2);
  }
  return out;
}

ct_status ct__optim_field_set(const ct_optim_algorithm *algo, const ct_option_field *f, ct_optim_options *o,
                              const ct_group_option *v) {
  if (f->offset < 0)
    return ct__error(CT_ERR_ARG, "parameter group option '%s' of %s cannot be changed in ctorch", f->key,
                     algo->name);
  char *base = (char *)o + f->offset;
  if (f->kind == CT_OPTION_BOOL) {
    bool b = v->value != 0;
    memcpy(base, &b, sizeof b);
    return CT_OK;
  }
  memcpy(base, &v->value, sizeof v->value);
  if (f->kind == CT_OPTION_PAIR) memcpy(base + sizeof(double), &v->value2, sizeof v->value2);
  return CT_OK;
}

// options with each override applied (unknown keys and constants are errors).
static ct_status apply_overrides(const ct_optimizer *opt, ct_optim_options *options, const ct_group_option *over,
                                 int n) {
  if (n < 0) return ct__error(CT_ERR_ARG, "add_param_group: negative number of options %d", n);
  if (n > 0 && !over) return ct__error(CT_ERR_ARG, "add_param_group: options is NULL");
  for (int i = 0; i < n; i++) {
    if (!over[i].key) return ct__error(CT_ERR_ARG, "parameter group option %d has no key", i);
    const ct_option_field *f = ct__optim_field(opt->algo, over[i].key);
    if (!f) return ct__error(CT_ERR_ARG, "'%s' is not an option of %s", over[i].key, opt->algo->name);
    if (ct__optim_field_set(opt->algo, f, options, &over[i]) != CT_OK) return ct_last_status();
  }
  return CT_OK;
}

ct_status ct_optimizer_add_param_group(ct_optimizer *opt, ct_tensor *const *params, int n,
                                       const ct_group_option *options, int n_options) {
  if (!opt) return ct__error(CT_ERR_ARG, "optimizer is NULL");
  ct_optim_options group = opt->defaults; // param_group.setdefault(name, default)
  if (apply_overrides(opt, &group, options, n_options) != CT_OK) return ct_last_status();
  return ct__optimizer_append_group(opt, params, n, group);
}

int ct_optimizer_num_groups(const ct_optimizer *opt) { return opt ? opt->n_groups : 0; }

int ct_optimizer_group_size(const ct_optimizer *opt, int g) {
  return opt && g >= 0 && g < opt->n_groups ? opt->groups[g].count : -1;
}

ct_group_extra *ct__optim_group_extra(const ct_param_group *group, const char *key) {
  for (int i = 0; i < group->n_extra; i++)
    if (!strcmp(group->extra[i].key, key)) return (ct_group_extra *)&group->extra[i];
  return NULL;
}

ct_status ct__optim_group_set_extra(ct_param_group *group, const char *key, ct_group_option value) {
  ct_group_extra *e = ct__optim_group_extra(group, key);
  if (!e) {
    if (group->n_extra == CT_MAX_GROUP_EXTRAS || strlen(key) >= CT_GROUP_KEY_CAP)
      return ct__error(CT_ERR_ARG, "parameter group key '%s': too many keys, or too long", key);
    e = &group->extra[group->n_extra++];
    strcpy(e->key, key);
  }
  e->value = value;
  e->value.key = e->key;
  return CT_OK;
}

static ct_status group_field(const ct_optimizer *opt, int g, const char *key, const ct_option_field **f) {
  if (!opt) return ct__error(CT_ERR_ARG, "optimizer is NULL");
  if (g < 0 || g >= opt->n_groups)
    return ct__error(CT_ERR_INDEX, "parameter group %d out of range (the optimizer has %d)", g, opt->n_groups);
  if (!key) return ct__error(CT_ERR_ARG, "parameter group option key is NULL");
  *f = ct__optim_field(opt->algo, key);
  if (!*f) return ct__error(CT_ERR_ARG, "'%s' is not an option of %s", key, opt->algo->name);
  return CT_OK;
}

ct_status ct_optimizer_get_group_option(const ct_optimizer *opt, int g, const char *key, ct_group_option *out) {
  const ct_option_field *f;
  if (!out) return ct__error(CT_ERR_ARG, "get_group_option: out is NULL");
  if (opt && g >= 0 && g < opt->n_groups && key) { // a key a scheduler or a loaded state added
    ct_group_extra *e = ct__optim_group_extra(&opt->groups[g], key);
    if (e) {
      *out = e->value;
      return CT_OK;
    }
  }
  if (group_field(opt, g, key, &f) != CT_OK) return ct_last_status();
  *out = ct__optim_field_get(f, &opt->groups[g].options);
  return CT_OK;
}

ct_status ct_optimizer_set_group_option(ct_optimizer *opt, int g, ct_group_option option) {
  const ct_option_field *f;
  if (group_field(opt, g, option.key, &f) != CT_OK) return ct_last_status();
  return ct__optim_field_set(opt->algo, f, &opt->groups[g].options, &option);
}

double ct_optimizer_get_group_lr(const ct_optimizer *opt, int g) {
  const ct_option_field *f;
  if (group_field(opt, g, "lr", &f) != CT_OK) return NAN;
  return opt->groups[g].options.sgd.lr; // lr is every options struct's first member
}

ct_status ct_optimizer_set_group_lr(ct_optimizer *opt, int g, double lr) {
  const ct_option_field *f;
  if (group_field(opt, g, "lr", &f) != CT_OK) return ct_last_status();
  if (!(lr >= 0)) return ct__optim_invalid("learning rate", lr);
  opt->groups[g].options.sgd.lr = lr;
  return CT_OK;
}
