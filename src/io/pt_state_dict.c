// A module's state dict to and from .pt files: torch.save(model.state_dict(), f) and
// model.load_state_dict(torch.load(f, weights_only=True)); the two conversions are shared
// with the training checkpoints (checkpoint.c).
#define _POSIX_C_SOURCE 200809L // strdup
#include "core/error_impl.h"
#include "ctorch/autograd.h"
#include "ctorch/scope.h"
#include "io/value_impl.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ct_value *ct__state_dict_value(ct_module *m) {
  ct_named_list *list = ct_module_state_dict(m);
  if (!list) return NULL;
  ct_value *dict = ct_value_dict();
  ct_status st = dict ? CT_OK : ct_last_status();
  if (dict) dict->ordered = true; // torch.save(model.state_dict()) writes an OrderedDict
  // state_dict() holds detached tensors (not Parameters) over the parameters' storages.
  ct_scope *scope = ct_scope_open();
  for (int i = 0; st == CT_OK && i < list->count; i++)
    st = ct_value_dict_set_str(dict, list->items[i].name, ct_value_tensor(ct_detach(list->items[i].tensor)));
  if (scope) ct_scope_close(scope);
  ct_named_list_free(list);
  if (st != CT_OK) {
    ct_value_free(dict);
    return NULL;
  }
  return dict;
}

ct_status ct__load_state_dict_value(ct_module *m, const ct_value *v, bool strict, const char *path) {
  ct_status st = CT_OK;
  int64_t n = ct_value_len(v);
  ct_named_list list = {0};
  if (ct_value_get_kind(v) != CT_VALUE_DICT)
    st = ct__error(CT_ERR_IO, "cannot load a state dict from '%s': the file holds a %s, not a dict", path,
                   v->kind == CT_VALUE_LIST    ? "list"
                   : v->kind == CT_VALUE_TUPLE ? "tuple"
                                               : "single value");
  else if (n > INT32_MAX || !(list.items = calloc((size_t)(n ? n : 1), sizeof *list.items)))
    st = ct__error(CT_ERR_MEMORY, "out of memory loading '%s'", path);
  for (int64_t i = 0; st == CT_OK && i < n; i++) {
    const char *key = ct_value_as_string(ct_value_key_at(v, i));
    ct_tensor *t = ct_value_as_tensor(ct_value_at(v, i));
    if (!key || !t || strlen(key) >= sizeof list.items[i].name)
      st = ct__error(CT_ERR_IO, "cannot load a state dict from '%s': entry %lld is not a (name, tensor) pair",
                     path, (long long)i);
    else {
      snprintf(list.items[i].name, sizeof list.items[i].name, "%s", key);
      list.items[i].tensor = t;
      list.count++;
    }
  }
  if (st == CT_OK && (st = ct_module_load_state_dict(m, &list, strict)) != CT_OK) {
    char *why = strdup(ct_last_error()); // name the file after PyTorch's message
    if (why) ct__error(st, "%s (file '%s')", why, path);
    free(why);
  }
  free(list.items);
  return st;
}

ct_status ct_save_state_dict_pt(ct_module *m, const char *path) {
  if (!m) return ct__error(CT_ERR_ARG, "ct_save_state_dict_pt: module is NULL");
  if (!path) return ct__error(CT_ERR_ARG, "ct_save_state_dict_pt: path is NULL");
  ct_value *dict = ct__state_dict_value(m);
  if (!dict) return ct_last_status();
  ct_status st = ct_save_pt(path, dict);
  ct_value_free(dict);
  return st;
}

ct_status ct_module_load_state_dict_pt(ct_module *m, const char *path, bool strict) {
  if (!m) return ct__error(CT_ERR_ARG, "ct_module_load_state_dict_pt: module is NULL");
  ct_value *v = ct_load_pt(path);
  if (!v) return ct_last_status();
  ct_status st = ct__load_state_dict_value(m, v, strict, path);
  ct_value_free(v);
  return st;
}
