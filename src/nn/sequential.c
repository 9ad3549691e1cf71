// nn.Sequential: children "0", "1", ... applied in order.
#include <stdio.h>
#include "core/error_impl.h"
#include "ctorch/scope.h"
#include "nn/module_impl.h"

static ct_tensor *sequential_forward(ct_module *self, ct_tensor *x) {
  int n = ct_module_num_children(self);
  for (int i = 0; i < n && x; i++) x = ct_module_forward(ct_module_child(self, i), x);
  return x;
}

static const ct_module_vtable sequential_vtable = {"Sequential", sequential_forward, NULL, NULL};

ct_module *ct_sequential_new(int n, ct_module *const *modules) {
  bool inputs_ok = n >= 0 && (n == 0 || modules);
  for (int i = 0; inputs_ok && i < n; i++)
    if (!modules[i]) inputs_ok = false;
  ct_module *seq = inputs_ok ? ct__simple_module_new(&sequential_vtable) : NULL;
  if (!seq) {
    // Sequential owns its arguments: free them on failure too.
    for (int i = 0; modules && i < n; i++) ct_module_free(modules[i]);
    if (!inputs_ok && ct_last_status() == CT_OK) ct__error(CT_ERR_ARG, "Sequential: a module argument is NULL");
    return NULL;
  }
  for (int i = 0; i < n; i++) {
    char name[16];
    snprintf(name, sizeof name, "%d", i);
    if (!ct_module_register_module(seq, name, modules[i])) {
      for (int k = i + 1; k < n; k++) ct_module_free(modules[k]);
      ct_module_free(seq);
      return NULL;
    }
  }
  return seq;
}
