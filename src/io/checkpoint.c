// Training checkpoints: one .pt file PyTorch can open, holding
//   {"model": state_dict, "optimizer": state_dict or None, "scheduler": state_dict or None,
//    "rng_state": torch.get_rng_state(), "loader_rng_state": generator state or None,
//    "epoch": int, "step": int}
// written atomically by ct_save_pt. Loading checks everything it can before changing
// anything, and puts the scheduler and the optimizer back if a later part is refused.
#define _POSIX_C_SOURCE 200809L // strdup
#include "core/error_impl.h"
#include "ctorch/random.h"
#include "io/value_impl.h"
#include <stdlib.h>
#include <string.h>

static ct_value *generator_state(const ct_generator *gen) {
  unsigned char blob[CT_GENERATOR_STATE_SIZE];
  if (ct_generator_get_state(gen, blob, sizeof blob) != CT_OK) return NULL;
  return ct_value_uint8(blob, sizeof blob);
}

static bool add(ct_value *d, const char *key, ct_value *v) {
  return ct_value_dict_set_str(d, key, v) == CT_OK;
}

ct_status ct_save_checkpoint(const char *path, const ct_checkpoint *c) {
  if (!path) return ct__error(CT_ERR_ARG, "ct_save_checkpoint: path is NULL");
  if (!c || !c->model)
    return ct__error(CT_ERR_ARG, "ct_save_checkpoint: %s is NULL", c ? "model" : "checkpoint");
  ct_value *root = ct_value_dict();
  bool ok =
      add(root, "model", ct__state_dict_value(c->model)) &&
      add(root, "optimizer", c->optimizer ? ct_optimizer_state_value(c->optimizer) : ct_value_none()) &&
      add(root, "scheduler", c->scheduler ? ct_lr_scheduler_state_value(c->scheduler) : ct_value_none()) &&
      add(root, "rng_state", generator_state(NULL)) &&
      add(root, "loader_rng_state",
          c->loader_generator ? generator_state(c->loader_generator) : ct_value_none()) &&
      add(root, "epoch", ct_value_int(c->epoch)) && add(root, "step", ct_value_int(c->step));
  ct_status st = ok ? ct_save_pt(path, root) : ct_last_status();
  ct_value_free(root);
  return st;
}

static ct_status bad(const char *path, const char *what) {
  return ct__error(CT_ERR_IO, "cannot load checkpoint '%s': %s", path, what);
}

// A generator state entry: checked on a scratch generator; NULL `uint8` means None.
static ct_status check_generator_state(const char *path, const ct_value *v, const char *key, bool required) {
  if (ct_value_get_kind(v) == CT_VALUE_NONE && !required) return CT_OK;
  if (ct_value_get_kind(v) != CT_VALUE_UINT8)
    return bad(path, required ? "'rng_state' is missing or not a uint8 tensor" : key);
  ct_generator *scratch = ct_generator_new();
  ct_status st = scratch ? ct_generator_set_state(scratch, ct_value_as_uint8(v), (size_t)ct_value_len(v))
                         : ct_last_status();
  ct_generator_free(scratch);
  return st;
}

// The scheduler and the optimizer back to their snapshots (either may be NULL), keeping the
// error that made the load fail.
static ct_status put_back(ct_checkpoint *c, const ct_lr_state *sched, const ct_optim_state *opt,
                          ct_status why) {
  char *message = strdup(ct_last_error());
  if (sched) ct_lr_scheduler_load_state_dict(c->scheduler, sched); // its own snapshot: cannot fail
  if (opt) ct_optimizer_load_state_dict(c->optimizer, opt);
  if (message) ct__error(why, "%s", message);
  free(message);
  return why;
}

ct_status ct_load_checkpoint(const char *path, ct_checkpoint *c) {
  if (!c || !c->model)
    return ct__error(CT_ERR_ARG, "ct_load_checkpoint: %s is NULL", c ? "model" : "checkpoint");
  ct_value *v = ct_load_pt(path);
  if (!v) return ct_last_status();
  const ct_value *epoch = ct_value_get(v, "epoch"), *step = ct_value_get(v, "step");
  const ct_value *rng = ct_value_get(v, "rng_state"), *loader_rng = ct_value_get(v, "loader_rng_state");
  const ct_value *opt_state = ct_value_get(v, "optimizer"), *sched_state = ct_value_get(v, "scheduler");
  ct_status st = CT_OK;
  if (ct_value_get_kind(v) != CT_VALUE_DICT || !ct_value_get(v, "model"))
    st = bad(path, "not a ctorch training checkpoint (no 'model' entry)");
  else if (ct_value_get_kind(epoch) != CT_VALUE_INT || ct_value_get_kind(step) != CT_VALUE_INT)
    st = bad(path, "'epoch' and 'step' must be ints");
  else if (c->optimizer && ct_value_get_kind(opt_state) != CT_VALUE_DICT)
    st = bad(path, "it holds no optimizer state");
  else if (c->scheduler && ct_value_get_kind(sched_state) != CT_VALUE_DICT)
    st = bad(path, "it holds no scheduler state");
  if (st == CT_OK) st = check_generator_state(path, rng, "rng_state", true);
  if (st == CT_OK && c->loader_generator)
    st = check_generator_state(path, loader_rng, "'loader_rng_state' is not a uint8 tensor", false);
  // The scheduler, then the optimizer, then the model, each unchanged on its own error;
  // what was loaded before a refusal goes back to its snapshot.
  ct_lr_state *sched_before = st == CT_OK && c->scheduler ? ct_lr_scheduler_state_dict(c->scheduler) : NULL;
  if (st == CT_OK && c->scheduler && !sched_before) st = ct_last_status();
  ct_optim_state *opt_before = st == CT_OK && c->optimizer ? ct_optimizer_state_dict(c->optimizer) : NULL;
  if (st == CT_OK && c->optimizer && !opt_before) st = ct_last_status();
  if (st == CT_OK && c->scheduler) st = ct_lr_scheduler_load_state_value(c->scheduler, sched_state);
  if (st == CT_OK && c->optimizer && (st = ct_optimizer_load_state_value(c->optimizer, opt_state)) != CT_OK)
    put_back(c, sched_before, NULL, st);
  if (st == CT_OK &&
      (st = ct__load_state_dict_value(c->model, ct_value_get(v, "model"), true, path)) != CT_OK)
    put_back(c, sched_before, opt_before, st);
  ct_lr_state_free(sched_before);
  ct_optim_state_free(opt_before);
  if (st == CT_OK) { // cannot fail: both states were checked
    ct_set_rng_state(ct_value_as_uint8(rng), (size_t)ct_value_len(rng));
    if (c->loader_generator && ct_value_get_kind(loader_rng) == CT_VALUE_UINT8)
      ct_generator_set_state(c->loader_generator, ct_value_as_uint8(loader_rng),
                             (size_t)ct_value_len(loader_rng));
    c->epoch = ct_value_as_int(epoch);
    c->step = ct_value_as_int(step);
  }
  ct_value_free(v);
  return st;
}
