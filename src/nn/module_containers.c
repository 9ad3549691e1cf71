// nn.ModuleList and nn.ModuleDict (holders of children, without a forward) and
// Module.apply.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/error_impl.h"
#include "ctorch/nn_extra.h"
#include "nn/module_impl.h"

static const ct_module_vtable module_list_vt = {"ModuleList", NULL, NULL, NULL};
static const ct_module_vtable module_dict_vt = {"ModuleDict", NULL, NULL, NULL};

// Whether m is a container of the given kind (an error naming fn otherwise).
static bool is_kind(const ct_module *m, const ct_module_vtable *vt, const char *fn) {
  if (!m) return ct__error(CT_ERR_ARG, "%s: module is NULL", fn), false;
  if (m->vtable != vt) return ct__error(CT_ERR_ARG, "%s: the module is a %s, not a %s", fn, m->vtable->name, vt->name), false;
  return true;
}

// The registry index of the k-th child (registration order), or -1.
static int child_slot(const ct_module *m, int64_t k) {
  for (int i = 0; i < m->entries->count; i++)
    if (m->entries->items[i].child && k-- == 0) return i;
  return -1;
}

// ---- ModuleList ----

ct_module *ct_module_list_new(int n, ct_module *const *modules) {
  ct_module *list = ct__simple_module_new(&module_list_vt);
  if (!list) {
    ct__free_module_arguments(n, modules, 0);
    return NULL;
  }
  if (ct_module_list_extend(list, n, modules) != CT_OK) {
    ct_module_free(list);
    return NULL;
  }
  return list;
}

int ct_module_list_len(const ct_module *list) { return ct_module_num_children(list); }

// append: add_module(str(len(self)), module).
ct_status ct_module_list_append(ct_module *list, ct_module *module) {
  if (!is_kind(list, &module_list_vt, "ModuleList.append")) {
    ct__free_module_arguments(1, &module, 0);
    return ct_last_status();
  }
  if (!module) return ct_last_status() != CT_OK ? ct_last_status() : ct__error(CT_ERR_ARG, "ModuleList.append: module is NULL");
  char name[24];
  snprintf(name, sizeof name, "%d", ct_module_list_len(list));
  return ct_module_register_module(list, name, module) ? CT_OK : ct_last_status();
}

ct_status ct_module_list_extend(ct_module *list, int n, ct_module *const *modules) {
  if (n < 0 || (n > 0 && !modules)) {
    ct__free_module_arguments(n, modules, 0);
    return ct__error(CT_ERR_ARG, "ModuleList.extend: bad module list (n=%d)", n);
  }
  for (int i = 0; i < n; i++)
    if (ct_module_list_append(list, modules[i]) != CT_OK) {
      ct__free_module_arguments(n, modules, i + 1);
      return ct_last_status();
    }
  return CT_OK;
}

// insert: appended as str(len), then the children from index on move one place up, as
// PyTorch's re-keying loop does. A negative index fails as in PyTorch (KeyError '-1');
// one past the end is refused (PyTorch registers it under that number, leaving a gap).
ct_status ct_module_list_insert(ct_module *list, int64_t index, ct_module *module) {
  int len = list && list->vtable == &module_list_vt ? ct_module_list_len(list) : 0;
  if (list && list->vtable == &module_list_vt && module && (index < 0 || index > len)) {
    ct__free_module_arguments(1, &module, 0);
    return index < 0 ? ct__error(CT_ERR_INDEX, "'%" PRId64 "'", index)
                     : ct__error(CT_ERR_INDEX, "index %" PRId64 " is out of range", index);
  }
  ct_status st = ct_module_list_append(list, module);
  if (st != CT_OK) return st;
  ct_module_entry *items = list->entries->items;
  for (int64_t k = len; k > index; k--) items[child_slot(list, k)].child = items[child_slot(list, k - 1)].child;
  items[child_slot(list, index)].child = module;
  return CT_OK;
}

// list[index]: negative indices count from the end (IndexError "index 3 is out of range").
ct_module *ct_module_list_get(ct_module *list, int64_t index) {
  if (!is_kind(list, &module_list_vt, "ModuleList[index]")) return NULL;
  int64_t len = ct_module_list_len(list);
  if (index < -len || index >= len) return ct__error_null(CT_ERR_INDEX, "index %" PRId64 " is out of range", index);
  return ct_module_child(list, (int)(index < 0 ? index + len : index));
}

// ---- ModuleDict ----

ct_module *ct_module_dict_new(int n, const char *const *keys, ct_module *const *modules) {
  ct_module *dict = NULL;
  if (n < 0 || (n > 0 && (!keys || !modules))) ct__error(CT_ERR_ARG, "ModuleDict: bad module list (n=%d)", n);
  else dict = ct__simple_module_new(&module_dict_vt);
  if (!dict) {
    ct__free_module_arguments(n, modules, 0);
    return NULL;
  }
  for (int i = 0; i < n; i++)
    if (ct_module_dict_set(dict, keys[i], modules[i]) != CT_OK) {
      ct__free_module_arguments(n, modules, i + 1);
      ct_module_free(dict);
      return NULL;
    }
  return dict;
}

int ct_module_dict_len(const ct_module *dict) { return ct_module_num_children(dict); }

static int key_slot(const ct_module *dict, const char *key) {
  for (int i = 0; key && i < dict->entries->count; i++)
    if (dict->entries->items[i].child && !strcmp(dict->entries->items[i].name, key)) return i;
  return -1;
}

bool ct_module_dict_contains(const ct_module *dict, const char *key) {
  return dict && dict->vtable == &module_dict_vt && key_slot(dict, key) >= 0;
}

ct_module *ct_module_dict_get(ct_module *dict, const char *key) {
  if (!is_kind(dict, &module_dict_vt, "ModuleDict[key]")) return NULL;
  int slot = key_slot(dict, key);
  if (slot < 0) return ct__error_null(CT_ERR_ARG, "'%s'", key ? key : "None");
  return dict->entries->items[slot].child;
}

// dict[key] = module: add_module. A key in use keeps its place and its old module is
// freed. The old entry hides under the name "" while the new one registers (a name no
// valid key has), so every check of ct_module_register_module applies.
ct_status ct_module_dict_set(ct_module *dict, const char *key, ct_module *module) {
  if (!is_kind(dict, &module_dict_vt, "ModuleDict[key] = module")) {
    ct__free_module_arguments(1, &module, 0);
    return ct_last_status();
  }
  if (!module) return ct_last_status() != CT_OK ? ct_last_status() : ct__error(CT_ERR_ARG, "ModuleDict: module is NULL");
  int old = key_slot(dict, key);
  if (old >= 0 && dict->entries->items[old].child == module) return CT_OK;
  char *old_name = old >= 0 ? dict->entries->items[old].name : NULL;
  static char hidden[1] = "";
  if (old >= 0) dict->entries->items[old].name = hidden;
  bool ok = ct_module_register_module(dict, key, module) != NULL;
  if (old < 0) return ok ? CT_OK : ct_last_status();
  struct ct_module_entries *es = dict->entries;
  es->items[old].name = old_name;
  if (!ok) return ct_last_status();
  ct_module *previous = es->items[old].child;
  previous->entries->has_parent = false;
  ct_module_free(previous);
  es->items[old].child = es->items[es->count - 1].child; // the new module takes the old place
  free(es->items[es->count - 1].name);
  es->count--;
  return CT_OK;
}

// ---- apply ----

ct_module *ct_module_apply(ct_module *m, void (*fn)(ct_module *m, void *ctx), void *ctx) {
  if (!m || !fn) return ct__error_null(CT_ERR_ARG, "apply: %s is NULL", m ? "fn" : "module");
  for (int i = 0; i < m->entries->count; i++)
    if (m->entries->items[i].child) ct_module_apply(m->entries->items[i].child, fn, ctx);
  fn(m, ctx);
  return m;
}
