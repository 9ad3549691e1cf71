// Optimizer internals shared by optimizer.c (lifetime, stepping), sgd.c / adam.c (the
// algorithms) and state_dict.c (snapshots).
#ifndef CTORCH_SRC_OPTIM_OPTIM_INTERNAL_H
#define CTORCH_SRC_OPTIM_OPTIM_INTERNAL_H
#include "core/tensor_impl.h"
#include "ctorch/optim.h"

typedef enum ct_optim_kind { CT_OPTIM_SGD, CT_OPTIM_ADAM, CT_OPTIM_ADAMW } ct_optim_kind;

#define CT_OPTIM_MAX_BUFFERS 3

/// PyTorch's optimizer.state[p] for one parameter.
typedef struct ct_param_state {
  bool initialized;                        // state exists (the parameter has been stepped)
  float step;                              // Adam/AdamW: state['step'], a float32 like PyTorch's
  ct_tensor *buf[CT_OPTIM_MAX_BUFFERS];    // owned; NULL when unused (see the kind's keys)
  bool fresh[CT_OPTIM_MAX_BUFFERS];        // buf[b] was created for the step now running
} ct_param_state;

typedef union ct_optim_options {
  ct_sgd_options sgd;
  ct_adam_options adam;
} ct_optim_options;

/// Per-algorithm behaviour.
typedef struct ct_optim_algorithm {
  const char *name;                              // "SGD", "Adam", "AdamW"
  const char *buffer_keys[CT_OPTIM_MAX_BUFFERS]; // PyTorch's state keys of buf[0..2]
  bool has_step;                                 // state['step'] exists
  /// Updates one parameter (contiguous data) from its contiguous gradient.
  void (*update)(const ct_optimizer *opt, ct_param_state *st, ct_tensor *param, const ct_tensor *grad);
  /// Which buffers the current options use (e.g. max_exp_avg_sq only with amsgrad).
  bool (*uses_buffer)(const ct_optimizer *opt, int b);
} ct_optim_algorithm;

struct ct_optimizer {
  ct_optim_kind kind;
  const ct_optim_algorithm *algo;
  ct_optim_options options;
  int n;
  ct_tensor **params;     // owned references
  int *state_of;          // state_of[i]: index of the state of params[i] (duplicates share)
  ct_param_state *state;  // one per parameter index
};

extern const ct_optim_algorithm ct__sgd_algorithm;
extern const ct_optim_algorithm ct__adam_algorithm;
extern const ct_optim_algorithm ct__adamw_algorithm;

/// Validates params and builds an optimizer (options already checked).
ct_optimizer *ct__optimizer_new(ct_optim_kind kind, ct_tensor *const *params, int n, ct_optim_options options);
/// A zero-filled contiguous tensor shaped like `like`, owned by the caller (no scope).
ct_tensor *ct__optim_state_zeros(const ct_tensor *like, ct_dtype dtype);
/// Records "Invalid <what>: <Python repr of v>" and returns CT_ERR_ARG.
ct_status ct__optim_invalid(const char *what, double v);
#endif
