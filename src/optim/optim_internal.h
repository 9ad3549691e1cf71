// Optimizer internals shared by optimizer.c (lifetime, stepping), param_groups.c (groups
// and their options by name), the algorithms (sgd.c, adam.c, rmsprop.c, adagrad.c,
// adamax.c, nadam.c, radam.c) and state_dict.c (snapshots).
#ifndef CTORCH_SRC_OPTIM_OPTIM_INTERNAL_H
#define CTORCH_SRC_OPTIM_OPTIM_INTERNAL_H
#include <stddef.h>
#include "core/tensor_impl.h"
#include "ctorch/optim.h"

typedef enum ct_optim_kind {
  CT_OPTIM_SGD,
  CT_OPTIM_ADAM,
  CT_OPTIM_ADAMW,
  CT_OPTIM_RMSPROP,
  CT_OPTIM_ADAGRAD,
  CT_OPTIM_ADAMAX,
  CT_OPTIM_NADAM,
  CT_OPTIM_RADAM,
} ct_optim_kind;

#define CT_OPTIM_MAX_BUFFERS 3

/// How an algorithm keeps state['step'].
typedef enum ct_step_kind {
  CT_STEP_NONE,   // no step (SGD)
  CT_STEP_TENSOR, // a 0-d float32 tensor, incremented in float32
  CT_STEP_INT,    // a Python int (RMSprop)
} ct_step_kind;

/// PyTorch's optimizer.state[p] for one parameter.
typedef struct ct_param_state {
  bool initialized;                     // state exists (stepped, or created eagerly by Adagrad)
  float step;                           // CT_STEP_TENSOR: state['step'], a float32 like PyTorch's
  int64_t int_step;                     // CT_STEP_INT: state['step']
  double mu_product;                    // NAdam: state['mu_product'], a 0-d tensor of mu_product_dtype:
  ct_dtype mu_product_dtype;            // float32, or the parameter's dtype once load_state_dict cast it
  ct_tensor *buf[CT_OPTIM_MAX_BUFFERS]; // owned; NULL when unused (see the kind's keys)
  bool fresh[CT_OPTIM_MAX_BUFFERS];     // buf[b] was created for the step now running
} ct_param_state;

typedef union ct_optim_options {
  ct_sgd_options sgd;
  ct_adam_options adam;
  ct_rmsprop_options rmsprop;
  ct_adagrad_options adagrad;
  ct_adamax_options adamax;
  ct_nadam_options nadam;
  ct_radam_options radam;
} ct_optim_options;

/// One key of a PyTorch param-group dict: where its value lives in the options (offset of
/// a double, a bool, or the first of two adjacent doubles for a pair), or a constant
/// (offset -1) that ctorch does not vary (foreach None, differentiable False, ...).
typedef struct ct_option_field {
  const char *key;
  ct_option_kind kind;
  ptrdiff_t offset;
  double constant; // for constant booleans
} ct_option_field;

#define CT_OPTION_FIELD(key, kind, type, member) {key, kind, (ptrdiff_t)offsetof(type, member), 0}
#define CT_OPTION_CONST(key, kind, v) {key, kind, -1, v}
#define CT_MAX_OPTION_FIELDS 12

/// Per-algorithm behaviour.
typedef struct ct_optim_algorithm {
  const char *name;                              // PyTorch's class name
  const char *buffer_keys[CT_OPTIM_MAX_BUFFERS]; // PyTorch's state keys of buf[0..2]
  ct_step_kind step;                             // how state['step'] is kept
  bool has_mu_product;                           // NAdam's state['mu_product']
  bool eager_state;                              // state created when a parameter joins (Adagrad)
  /// The group dict's keys in PyTorch's order (without "params"), NULL-terminated.
  ct_option_field fields[CT_MAX_OPTION_FIELDS];
  /// Updates one parameter (contiguous data) from its contiguous gradient, with its
  /// group's options; increments the step itself.
  void (*update)(const ct_optim_options *o, ct_param_state *st, ct_tensor *param, const ct_tensor *grad);
  /// Which buffers a group's options use (e.g. max_exp_avg_sq only with amsgrad); NULL:
  /// every buffer that has a key in buffer_keys, whatever the options.
  bool (*uses_buffer)(const ct_optim_options *o, int b);
  /// Fills a buffer just created (NULL: zeros are right). Adagrad's "sum" starts at
  /// initial_accumulator_value.
  ct_status (*init_buffer)(const ct_optim_options *o, int b, ct_tensor *buf);
} ct_optim_algorithm;

#define CT_GROUP_KEY_CAP 32
#define CT_MAX_GROUP_EXTRAS 8

/// A group key the optimizer itself does not use, kept as PyTorch keeps it: set by a
/// scheduler ("initial_lr", "max_lr", ...) or loaded from a state dict.
typedef struct ct_group_extra {
  char key[CT_GROUP_KEY_CAP];
  ct_group_option value; // value.key points at key
} ct_group_extra;

/// param_groups[g]: its options, extra keys and its parameters, params[first .. first+count).
typedef struct ct_param_group {
  ct_optim_options options;
  int first, count;
  int n_extra;
  ct_group_extra extra[CT_MAX_GROUP_EXTRAS];
} ct_param_group;

struct ct_optimizer {
  ct_optim_kind kind;
  const ct_optim_algorithm *algo;
  ct_optim_options defaults; // the constructor's options, the base of every added group
  int n;
  ct_tensor **params;    // owned references, all groups in order
  int *state_of;         // state_of[i]: index of the state of params[i] (duplicates share)
  ct_param_state *state; // one per parameter index
  int n_groups;
  ct_param_group *groups;
};

extern const ct_optim_algorithm ct__sgd_algorithm;
extern const ct_optim_algorithm ct__adam_algorithm;
extern const ct_optim_algorithm ct__adamw_algorithm;
extern const ct_optim_algorithm ct__rmsprop_algorithm;
extern const ct_optim_algorithm ct__adagrad_algorithm;
extern const ct_optim_algorithm ct__adamax_algorithm;
extern const ct_optim_algorithm ct__nadam_algorithm;
extern const ct_optim_algorithm ct__radam_algorithm;

/// The algorithm of a kind.
const ct_optim_algorithm *ct__optim_algorithm(ct_optim_kind kind);
/// Validates params and builds an optimizer with one group (options already checked).
ct_optimizer *ct__optimizer_new(ct_optim_kind kind, ct_tensor *const *params, int n, ct_optim_options options);
/// Appends params as a new group with the given options: checks them (non-leaf, repeats in
/// an earlier group) and grows the optimizer's arrays. opt is unchanged on error.
ct_status ct__optimizer_append_group(ct_optimizer *opt, ct_tensor *const *params, int n, ct_optim_options options);
/// A zero-filled contiguous tensor shaped like `like`, owned by the caller (no scope).
ct_tensor *ct__optim_state_zeros(const ct_tensor *like, ct_dtype dtype);
/// Records "Invalid <what>: <Python repr of v>" and returns CT_ERR_ARG.
ct_status ct__optim_invalid(const char *what, double v);
/// `not 0.0 <= v` (NaN fails) as PyTorch's option checks write it: records the error.
bool ct__optim_nonneg(const char *what, double v);
/// The checks of betas as Adam-like optimizers make them ("beta parameter at index k").
bool ct__optim_betas_ok(double beta1, double beta2);
/// The field of `key` in the algorithm's table, or NULL.
const ct_option_field *ct__optim_field(const ct_optim_algorithm *algo, const char *key);
/// Reads a field's value from options.
ct_group_option ct__optim_field_get(const ct_option_field *f, const ct_optim_options *o);
/// Writes `value` into options through field f (constants cannot be written: an error).
ct_status ct__optim_field_set(const ct_optim_algorithm *algo, const ct_option_field *f, ct_optim_options *o,
                              const ct_group_option *value);
/// The extra key of a group, or NULL.
ct_group_extra *ct__optim_group_extra(const ct_param_group *group, const char *key);
/// Sets (adding if new) an extra key of a group.
ct_status ct__optim_group_set_extra(ct_param_group *group, const char *key, ct_group_option value);
#endif
