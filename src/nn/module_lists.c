// Listing a module's contents: named_parameters, named_buffers, state_dict order, children,
// parameters().
#include <stdio.h>
#include <stdlib.h>
#include "core/error_impl.h"
#include "nn/module_impl.h"

typedef struct list_builder {
  ct_named_list *list;
  int capacity;
  bool dedup;     // named_parameters lists a shared parameter once; state_dict under each name
  bool failed;
} list_builder;

static void list_add(list_builder *b, const char *name, ct_tensor *t) {
  ct_named_list *l = b->list;
  for (int i = 0; b->dedup && i < l->count; i++)
    if (l->items[i].tensor == t) return;
  if (l->count == b->capacity) {
    int cap = b->capacity ? 2 * b->capacity : 8;
    ct_named_tensor *items = realloc(l->items, (size_t)cap * sizeof *items);
    if (!items) {
      ct__error(CT_ERR_MEMORY, "out of memory listing module entries");
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

// Joins prefix and name; false (and an error) when the dotted name doesn't fit a list item.
static bool join_name(char *out, const char *prefix, const char *name) {
  size_t cap = sizeof(((ct_named_tensor *)0)->name);
  int n = snprintf(out, cap, "%s%s%s", prefix, *prefix ? "." : "", name);
  if (n >= 0 && (size_t)n < cap) return true;
  ct__error(CT_ERR_ARG, "module entry name '%s.%s' is longer than %zu characters", prefix, name, cap - 1);
  return false;
}

// Which tensors a listing takes.
typedef enum listing { LIST_PARAMETERS, LIST_BUFFERS, LIST_STATE } listing;

static bool listed(const ct_module_entry *e, listing what) {
  switch (what) {
  case LIST_PARAMETERS: return e->kind == CT_ENTRY_PARAMETER;
  case LIST_BUFFERS: return e->kind == CT_ENTRY_BUFFER;
  case LIST_STATE: return ct__entry_in_state(e);
  }
  return false;
}

// PyTorch's order: named_modules() visits a module before its children, and each module
// yields its own parameters, then (state_dict) its buffers, so a module's entries precede
// its children's whatever the registration order.
static void collect(ct_module *m, const char *prefix, listing what, list_builder *b) {
  static const ct_entry_kind passes[] = {CT_ENTRY_PARAMETER, CT_ENTRY_BUFFER, CT_ENTRY_CHILD};
  char name[sizeof(((ct_named_tensor *)0)->name)];
  for (size_t pass = 0; pass < sizeof passes / sizeof *passes; pass++)
    for (int i = 0; i < m->entries->count && !b->failed; i++) {
      ct_module_entry *e = &m->entries->items[i];
      if (e->kind != passes[pass] || (e->kind != CT_ENTRY_CHILD && !listed(e, what))) continue;
      if (!join_name(name, prefix, e->name)) {
        b->failed = true;
        return;
      }
      if (e->kind == CT_ENTRY_CHILD) collect(e->child, name, what, b);
      else list_add(b, name, e->tensor);
    }
}

static ct_named_list *finish(list_builder *b) {
  if (!b->failed) return b->list;
  ct_named_list_free(b->list);
  return NULL;
}

static ct_named_list *list_tensors(ct_module *m, listing what, bool dedup, const char *fn) {
  if (!m) return ct__error_null(CT_ERR_ARG, "%s: module is NULL", fn);
  list_builder b = {.list = calloc(1, sizeof(ct_named_list)), .dedup = dedup};
  if (!b.list) return ct__error_null(CT_ERR_MEMORY, "out of memory listing module entries");
  collect(m, "", what, &b);
  return finish(&b);
}

ct_named_list *ct_module_named_parameters(ct_module *m) {
  return list_tensors(m, LIST_PARAMETERS, true, "named_parameters");
}
ct_named_list *ct_module_named_buffers(ct_module *m) { return list_tensors(m, LIST_BUFFERS, true, "named_buffers"); }
ct_named_list *ct__module_state_entries(ct_module *m) { return list_tensors(m, LIST_STATE, false, "state_dict"); }
ct_named_list *ct_module_state_dict(ct_module *m) { return ct__module_state_entries(m); }

ct_named_list *ct_module_named_children(ct_module *m) {
  if (!m) return ct__error_null(CT_ERR_ARG, "named_children: module is NULL");
  list_builder b = {.list = calloc(1, sizeof(ct_named_list))};
  if (!b.list) return ct__error_null(CT_ERR_MEMORY, "out of memory listing module entries");
  for (int i = 0; i < m->entries->count && !b.failed; i++)
    if (m->entries->items[i].kind == CT_ENTRY_CHILD) list_add(&b, m->entries->items[i].name, NULL);
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
