// nn.Sequential: children "0", "1", ... applied in order.
#include <stdio.h>
#include "core/error_impl.h"
#include "core/tensor_impl.h"
#include "ctorch/scope.h"
#include "nn/module_impl.h"

// Intermediate outputs live in a local scope, freed when forward returns (a child's
// forward that leaves a scope open fails it). Walks the registry directly:
// ct_module_child(i) is O(i).
static ct_tensor *sequential_forward(ct_module *self, ct_tensor *x) {
  const struct ct_module_entries *es = self->entries;
  ct_scope *s = ct_scope_open();
  if (!s) return NULL;
  ct_tensor *y = ct__register(ct_retain(x)); // nn.Sequential() returns its input
  for (int i = 0; i < es->count && y; i++)
    if (es->items[i].child) y = ct_module_forward(es->items[i].child, y);
  return ct__close_keeping(s, &y, 1) == CT_OK ? y : NULL;
}

static const ct_module_vtable sequential_vtable = {"Sequential", sequential_forward, NULL, NULL};

ct_module *ct_sequential_new(int n, ct_module *const *modules) {
  bool inputs_ok = n >= 0 && (n == 0 || modules);
  for (int i = 0; inputs_ok && i < n; i++)
    if (!modules[i]) inputs_ok = false;
  ct_module *seq = inputs_ok ? ct__simple_module_new(&sequential_vtable) : NULL;
  if (!seq) {
    ct__free_module_arguments(n, modules, 0);
    if (n < 0 || (n > 0 && !modules)) ct__error(CT_ERR_ARG, "Sequential: bad module list (n=%d)", n);
    // A NULL element is usually a failed constructor, whose message stands.
    else if (!inputs_ok && ct_last_status() == CT_OK) ct__error(CT_ERR_ARG, "Sequential: a module argument is NULL");
    return NULL;
  }
  for (int i = 0; i < n; i++) {
    char name[16];
    snprintf(name, sizeof name, "%d", i);
    if (!ct_module_register_module(seq, name, modules[i])) {
      ct__free_module_arguments(n, modules, i + 1);
      ct_module_free(seq);
      return NULL;
    }
  }
  return seq;
}
