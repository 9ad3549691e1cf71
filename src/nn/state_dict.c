// load_state_dict: copy values into a module's parameters by name.
#include <string.h>
#include "core/copy.h"
#include "core/error_impl.h"
#include "nn/module_impl.h"

static const ct_named_tensor *find(const ct_named_list *l, const char *name) {
  for (int i = 0; i < l->count; i++)
    if (!strcmp(l->items[i].name, name)) return &l->items[i];
  return NULL;
}

static ct_status check_shapes(const ct_named_tensor *dst, const ct_tensor *src) {
  if (src->ndim == dst->tensor->ndim && !memcmp(src->shape, dst->tensor->shape, (size_t)src->ndim * sizeof(int64_t)))
    return CT_OK;
  char a[256], b[256];
  ct__shape_to_str(src->ndim, src->shape, a, sizeof a);
  ct__shape_to_str(dst->tensor->ndim, dst->tensor->shape, b, sizeof b);
  return ct__error(CT_ERR_ARG,
                   "Error(s) in loading state_dict: size mismatch for %s: copying a param with shape "
                   "torch.Size(%s) from checkpoint, the shape in current model is torch.Size(%s).",
                   dst->name, a, b);
}

ct_status ct_module_load_state_dict(ct_module *m, const ct_named_list *state, bool strict) {
  if (!m || !state) return ct__error(CT_ERR_ARG, "load_state_dict: NULL argument");
  ct_named_list *own = ct_module_named_parameters(m);
  if (!own) return ct_last_status();
  ct_status st = CT_OK;
  // Validate everything before copying anything: a failed load leaves the module as it was.
  for (int i = 0; st == CT_OK && i < own->count; i++) {
    const ct_named_tensor *src = find(state, own->items[i].name);
    if (!src) {
      if (strict)
        st = ct__error(CT_ERR_ARG, "Error(s) in loading state_dict: Missing key(s) in state_dict: \"%s\".",
                       own->items[i].name);
    } else if (!src->tensor) {
      st = ct__error(CT_ERR_ARG, "load_state_dict: tensor for \"%s\" is NULL", src->name);
    } else {
      st = check_shapes(&own->items[i], src->tensor);
    }
  }
  for (int i = 0; st == CT_OK && strict && i < state->count; i++)
    if (!find(own, state->items[i].name))
      st = ct__error(CT_ERR_ARG, "Error(s) in loading state_dict: Unexpected key(s) in state_dict: \"%s\".",
                     state->items[i].name);
  for (int i = 0; st == CT_OK && i < own->count; i++) {
    const ct_named_tensor *src = find(state, own->items[i].name);
    if (src) st = ct__copy_into(own->items[i].tensor, src->tensor);
  }
  ct_named_list_free(own);
  return st;
}
