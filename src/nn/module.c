// The module system: allocation, registration, recursive traversal, train/eval.
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

void ct_module_free(ct_module *m) {
  if (!m) return;
  if (m->entries) {
    for (int i = 0; i < m->entries->count; i++) {
      ct_module_entry *e = &m->entries->items[i];
      ct_release(e->param);
      ct_module_free(e->child);
      free(e->name);
    }
    free(m->entries->items);
    free(m->entries);
  }
  if (m->vtable && m->vtable->destroy) m->vtable->destroy(m);
  free(m);
}

ct_tensor *ct_module_forward(ct_module *m, ct_tensor *input) {
  if (!m) return ct__error_null(CT_ERR_ARG, "forward: module is NULL");
  CT_CHECK_NULL(input);
  if (!m->vtable->forward)
    return ct__error_null(CT_ERR_RUNTIME, "Module [%s] is missing the required \"forward\" function", m->vtable->name);
  return m->vtable->forward(m, input);
}

static bool valid_name(ct_module *m, const char *name) {
  if (!name || !*name || strchr(name, '.')) {
    ct__error(CT_ERR_ARG, "module name can't contain \".\", got: %s", name ? name : "(null)");
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
  char *copy = malloc(strlen(name) + 1);
  if (!copy) return ct__error_null(CT_ERR_MEMORY, "out of memory registering '%s'", name);
  strcpy(copy, name);
  ct_module_entry *e = &es->items[es->count++];
  *e = (ct_module_entry){.name = copy};
  return e;
}

ct_tensor *ct_module_register_parameter(ct_module *m, const char *name, ct_tensor *param) {
  if (!m) return ct__error_null(CT_ERR_ARG, "register_parameter: module is NULL");
  CT_CHECK_NULL(param);
  if (!valid_name(m, name)) return NULL;
  if (!ct_dtype_is_floating(param->dtype))
    return ct__error_null(CT_ERR_ARG, "Only Tensors of floating point and complex dtype can require gradients");
  if (param->grad_fn)
    return ct__error_null(CT_ERR_ARG,
                          "Cannot assign non-leaf Tensor to parameter '%s'. Model parameters must be created "
                          "explicitly.",
                          name);
  ct_module_entry *e = add_entry(m, name);
  if (!e) return NULL;
  e->param = ct_retain(param);
  param->requires_grad = true;
  param->is_param = true;
  return param;
}

ct_module *ct_module_register_module(ct_module *m, const char *name, ct_module *child) {
  if (!child) {
    ct_module_free(child);
    return NULL;
  }
  if (!m || !valid_name(m, name)) {
    if (!m) ct__error(CT_ERR_ARG, "register_module: module is NULL");
    ct_module_free(child);
    return NULL;
  }
  ct_module_entry *e = add_entry(m, name);
  if (!e) {
    ct_module_free(child);
    return NULL;
  }
  e->child = child;
  return child;
}

// ---- traversal ----

typedef struct list_builder {
  ct_named_list *list;
  int capacity;
  bool failed;
} list_builder;

static void list_add(list_builder *b, const char *name, ct_tensor *t) {
  ct_named_list *l = b->list;
  for (int i = 0; t && i < l->count; i++)
    if (l->items[i].tensor == t) return; // shared parameter: listed once, like PyTorch
  if (l->count == b->capacity) {
    int cap = b->capacity ? 2 * b->capacity : 8;
    ct_named_tensor *items = realloc(l->items, (size_t)cap * sizeof *items);
    if (!items) {
      b->failed = true;
      return;
    }
    l->items = items;
    b->capacity = cap;
  }
  ct_named_tensor *it = &l->items[l->count++];
  snprintf(it->name, sizeof it->name, "%s", name);
  it->tensor = t;
}

static void collect_params(ct_module *m, const char *prefix, list_builder *b) {
  for (int i = 0; i < m->entries->count && !b->failed; i++) {
    ct_module_entry *e = &m->entries->items[i];
    char name[256];
    snprintf(name, sizeof name, "%s%s%s", prefix, *prefix ? "." : "", e->name);
    if (e->param) list_add(b, name, e->param);
    else collect_params(e->child, name, b);
  }
}

static ct_named_list *new_list(void) {
  ct_named_list *l = calloc(1, sizeof *l);
  if (!l) ct__error(CT_ERR_MEMORY, "out of memory");
  return l;
}

static ct_named_list *finish(list_builder *b) {
  if (!b->failed) return b->list;
  ct_named_list_free(b->list);
  return ct__error_null(CT_ERR_MEMORY, "out of memory listing module entries");
}

ct_named_list *ct_module_named_parameters(ct_module *m) {
  if (!m) return ct__error_null(CT_ERR_ARG, "named_parameters: module is NULL");
  list_builder b = {.list = new_list()};
  if (!b.list) return NULL;
  collect_params(m, "", &b);
  return finish(&b);
}

ct_named_list *ct_module_state_dict(ct_module *m) { return ct_module_named_parameters(m); }

ct_named_list *ct_module_named_children(ct_module *m) {
  if (!m) return ct__error_null(CT_ERR_ARG, "named_children: module is NULL");
  list_builder b = {.list = new_list()};
  if (!b.list) return NULL;
  for (int i = 0; i < m->entries->count; i++)
    if (m->entries->items[i].child) list_add(&b, m->entries->items[i].name, NULL);
  return finish(&b);
}

int ct_module_num_children(const ct_module *m) {
  int n = 0;
  for (int i = 0; m && i < m->entries->count; i++) n += m->entries->items[i].child != NULL;
  return n;
}

ct_module *ct_module_child(ct_module *m, int index) {
  for (int i = 0, k = 0; m && i < m->entries->count; i++) {
    if (!m->entries->items[i].child) continue;
    if (k++ == index) return m->entries->items[i].child;
  }
  return NULL;
}

ct_tensor **ct_module_parameters(ct_module *m, int *count) {
  if (count) *count = 0;
  ct_named_list *l = ct_module_named_parameters(m);
  if (!l) return NULL;
  ct_tensor **arr = malloc((size_t)(l->count ? l->count : 1) * sizeof *arr);
  if (arr) {
    for (int i = 0; i < l->count; i++) arr[i] = l->items[i].tensor;
    if (count) *count = l->count;
  } else {
    ct__error(CT_ERR_MEMORY, "out of memory");
  }
  ct_named_list_free(l);
  return arr;
}

void ct_named_list_free(ct_named_list *list) {
  if (!list) return;
  free(list->items);
  free(list);
}

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
    if (e->param) fn(e->param, flag);
    else for_each_param(e->child, fn, flag);
  }
}

static void zero_one(ct_tensor *p, bool set_to_none) {
  if (set_to_none) ct_set_grad(p, NULL);
  else ct_zero_grad(p);
}
static void set_requires(ct_tensor *p, bool flag) { p->requires_grad = flag; }

void ct_module_zero_grad(ct_module *m, bool set_to_none) { for_each_param(m, zero_one, set_to_none); }
void ct_module_requires_grad_(ct_module *m, bool requires_grad) { for_each_param(m, set_requires, requires_grad); }
