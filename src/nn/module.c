// The module system: allocation, registration (parameters, buffers, children), forward,
// train/eval, per-parameter flags.
// Listing (named_parameters, state_dict order) lives in module_lists.c.
#include <stdlib.h>
#include <string.h>
#include "core/error_impl.h"
#include "core/tensor_impl.h"
#include "nn/module_impl.h"

void *ct_module_new(size_t size, const ct_module_vtable *vtable) {
  if (size < sizeof(ct_module)) return ct__error_null(CT_ERR_ARG, "module size %zu is smaller than ct_module", size);
  if (!vtable || !vtable->name) return ct__error_null(CT_ERR_ARG, "module vtable needs a name");
  ct_module *m = calloc(1, size);
  if (!m) return ct__error_null(CT_ERR_MEMORY, "out of memory allocating a module");
  m->entries = calloc(1, sizeof *m->entries);
  if (!m->entries) {
    free(m);
    return ct__error_null(CT_ERR_MEMORY, "out of memory allocating a module");
  }
  m->vtable = vtable;
  m->training = true;
  return m;
}

ct_module *ct__simple_module_new(const ct_module_vtable *vtable) {
  return ct_module_new(sizeof(ct_module), vtable);
}

// Containers own their arguments, also when they fail: frees modules[from..n-1], each once
// (a module listed twice, or already handled at an earlier index, is skipped), leaving
// modules that another parent owns alone.
void ct__free_module_arguments(int n, ct_module *const *modules, int from) {
  for (int k = from; modules && k < n; k++) {
    bool seen = false;
    for (int j = 0; j < k && !seen; j++) seen = modules[j] == modules[k];
    if (!seen && modules[k] && !modules[k]->entries->has_parent) ct_module_free(modules[k]);
  }
}


static void free_tree(ct_module *m) {
  for (int i = 0; i < m->entries->count; i++) {
    ct_module_entry *e = &m->entries->items[i];
    ct_release(e->tensor);
    if (e->child) free_tree(e->child);
    free(e->name);
  }
  free(m->entries->items);
  free(m->entries);
  if (m->vtable->destroy) m->vtable->destroy(m);
  free(m);
}

void ct_module_free(ct_module *m) {
  if (!m) return;
  if (m->entries->has_parent) {
    // Freeing it here would leave a dangling child in the parent (and a double free later).
    ct__error(CT_ERR_ARG, "ct_module_free: this %s is registered in a parent module, which owns and frees it",
              m->vtable->name);
    return;
  }
  free_tree(m);
}

ct_tensor *ct_module_forward(ct_module *m, ct_tensor *input) {
  if (!m) return ct__error_null(CT_ERR_ARG, "forward: module is NULL");
  CT_CHECK_NULL(input);
  if (!m->vtable->forward)
    return ct__error_null(CT_ERR_RUNTIME, "Module [%s] is missing the required \"forward\" function", m->vtable->name);
  return m->vtable->forward(m, input);
}

// ---- registration ----

// PyTorch's checks (register_parameter / add_module) and their KeyError texts. A name in
// use errors (PyTorch would replace a same-kind entry; here callers hold borrowed pointers
// to entries, so replacing would leave them dangling).
static bool valid_name(ct_module *m, const char *name, const char *kind) {
  if (!name) {
    ct__error(CT_ERR_ARG, "%s name should be a string. Got NoneType", kind);
    return false;
  }
  if (strchr(name, '.')) {
    if (!strcmp(kind, "module")) ct__error(CT_ERR_ARG, "module name can't contain \".\", got: %s", name);
    else ct__error(CT_ERR_ARG, "%s name can't contain \".\"", kind);
    return false;
  }
  if (!*name) {
    ct__error(CT_ERR_ARG, "%s name can't be empty string \"\"", kind);
    return false;
  }
  for (int i = 0; i < m->entries->count; i++)
    if (!strcmp(m->entries->items[i].name, name)) {
      ct__error(CT_ERR_ARG, "attribute '%s' already exists", name);
      return false;
    }
  return true;
}

static ct_module_entry *add_entry(ct_module *m, const char *name) {
  struct ct_module_entries *es = m->entries;
  if (es->count == es->capacity) {
    int cap = es->capacity ? 2 * es->capacity : 4;
    ct_module_entry *items = realloc(es->items, (size_t)cap * sizeof *items);
    if (!items) return ct__error_null(CT_ERR_MEMORY, "out of memory registering '%s'", name);
    es->items = items;
    es->capacity = cap;
  }
  size_t len = strlen(name) + 1;
  char *copy = malloc(len);
  if (!copy) return ct__error_null(CT_ERR_MEMORY, "out of memory registering '%s'", name);
  memcpy(copy, name, len);
  ct_module_entry *e = &es->items[es->count++];
  *e = (ct_module_entry){.name = copy};
  return e;
}

ct_tensor *ct_module_register_parameter(ct_module *m, const char *name, ct_tensor *param) {
  if (!m) return ct__error_null(CT_ERR_ARG, "register_parameter: module is NULL");
  CT_CHECK_NULL(param);
  if (!valid_name(m, name, "parameter")) return NULL;
  if (!ct_dtype_is_floating(param->dtype))
    return ct__error_null(CT_ERR_ARG, "Only Tensors of floating point and complex dtype can require gradients");
  if (param->grad_fn)
    return ct__error_null(CT_ERR_ARG,
                          "Cannot assign non-leaf Tensor to parameter '%s'. Model parameters must be created "
                          "explicitly. To express '%s' as a function of another Tensor, compute the value in "
                          "the forward() method.",
                          name, name);
  ct_module_entry *e = add_entry(m, name);
  if (!e) return NULL;
  e->kind = CT_ENTRY_PARAMETER;
  e->tensor = ct_retain(param);
  param->requires_grad = true;
  param->is_param = true;
  return param;
}

// PyTorch's register_buffer: any tensor (any dtype, requiring grad or not) under a valid
// name; it is neither marked nor made a parameter.
ct_tensor *ct_module_register_buffer(ct_module *m, const char *name, ct_tensor *buffer, bool persistent) {
  if (!m) return ct__error_null(CT_ERR_ARG, "register_buffer: module is NULL");
  CT_CHECK_NULL(buffer);
  if (!valid_name(m, name, "buffer")) return NULL;
  ct_module_entry *e = add_entry(m, name);
  if (!e) return NULL;
  e->kind = CT_ENTRY_BUFFER;
  e->tensor = ct_retain(buffer);
  e->persistent = persistent;
  return buffer;
}

ct_module_entry *ct__module_entry(ct_module *m, const char *name) {
  for (int i = 0; m && name && i < m->entries->count; i++)
    if (!strcmp(m->entries->items[i].name, name)) return &m->entries->items[i];
  return NULL;
}

void ct__module_mark_legacy_buffer(ct_module *m, const char *name) {
  ct_module_entry *e = ct__module_entry(m, name);
  if (e && e->kind == CT_ENTRY_BUFFER) e->zero_if_missing = true;
}

static ct_tensor *own_tensor(ct_module *m, const char *name, ct_entry_kind kind) {
  ct_module_entry *e = ct__module_entry(m, name);
  return e && e->kind == kind ? e->tensor : NULL;
}
ct_tensor *ct_module_buffer(ct_module *m, const char *name) { return own_tensor(m, name, CT_ENTRY_BUFFER); }
ct_tensor *ct_module_parameter(ct_module *m, const char *name) { return own_tensor(m, name, CT_ENTRY_PARAMETER); }

static bool contains(const ct_module *root, const ct_module *m) {
  if (root == m) return true;
  for (int i = 0; i < root->entries->count; i++)
    if (root->entries->items[i].child && contains(root->entries->items[i].child, m)) return true;
  return false;
}

ct_module *ct_module_register_module(ct_module *m, const char *name, ct_module *child) {
  if (!child) return NULL; // a failed constructor: its message stands
  // A child that already has an owner, or that contains m (a cycle), stays with its owner.
  if (child->entries->has_parent)
    return ct__error_null(CT_ERR_ARG, "register_module: this %s is already registered in another module",
                          child->vtable->name);
  if (m && contains(child, m))
    return ct__error_null(CT_ERR_ARG, "register_module: a module can't be registered inside itself");
  ct_module_entry *e = NULL;
  if (!m) ct__error(CT_ERR_ARG, "register_module: module is NULL");
  else if (valid_name(m, name, "module")) e = add_entry(m, name);
  if (!e) {
    ct_module_free(child);
    return NULL;
  }
  e->kind = CT_ENTRY_CHILD;
  e->child = child;
  child->entries->has_parent = true;
  return child;
}

// ---- recursive flags ----

void ct_module_train(ct_module *m, bool mode) {
  if (!m) return;
  m->training = mode;
  for (int i = 0; i < m->entries->count; i++) ct_module_train(m->entries->items[i].child, mode);
}

void ct_module_eval(ct_module *m) { ct_module_train(m, false); }

static void for_each_param(ct_module *m, void (*fn)(ct_tensor *, bool), bool flag) {
  if (!m) return;
  for (int i = 0; i < m->entries->count; i++) {
    ct_module_entry *e = &m->entries->items[i];
    if (e->kind == CT_ENTRY_PARAMETER) fn(e->tensor, flag);
    else if (e->kind == CT_ENTRY_CHILD) for_each_param(e->child, fn, flag);
  }
}

static void zero_one(ct_tensor *p, bool set_to_none) {
  if (set_to_none) ct_set_grad(p, NULL);
  else ct_zero_grad(p);
}
static void set_requires(ct_tensor *p, bool flag) { p->requires_grad = flag; }

void ct_module_zero_grad(ct_module *m, bool set_to_none) { for_each_param(m, zero_one, set_to_none); }
void ct_module_requires_grad_(ct_module *m, bool requires_grad) { for_each_param(m, set_requires, requires_grad); }
