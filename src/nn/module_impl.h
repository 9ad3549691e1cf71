// Private parts of modules: the registry of parameters and children.
#ifndef CTORCH_SRC_NN_MODULE_IMPL_H
#define CTORCH_SRC_NN_MODULE_IMPL_H
#include "ctorch/nn.h"

typedef struct ct_module_entry {
  char *name;
  ct_tensor *param;  // owned reference, or NULL for a child entry
  ct_module *child;  // owned, or NULL for a parameter entry
} ct_module_entry;

struct ct_module_entries {
  int count, capacity;
  ct_module_entry *items;
  bool has_parent; // registered as a child: the parent frees it, nobody else may
};

/// A module with no state beyond the vtable (activations): allocated and named.
ct_module *ct__simple_module_new(const ct_module_vtable *vtable);

/// Every parameter under its dotted name in PyTorch's state_dict() order (the module's own
/// parameters, then each child's, recursively), *without* removing shared parameters:
/// state_dict lists a tied weight under each of its names, named_parameters only once.
ct_named_list *ct__module_state_entries(ct_module *m);
#endif
