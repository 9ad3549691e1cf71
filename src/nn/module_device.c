// module.to(device): every parameter and buffer, recursively, moved to a device. As in
// PyTorch (overwrite_module_params_on_conversion off), a parameter keeps its identity:
// its data is replaced (param.data = param.to(device)), and so is its gradient's; buffers
// keep theirs too, since modules hold their buffers by pointer (BatchNorm's running stats).
#include "autograd/node.h"
#include "core/copy.h"
#include "core/device.h"
#include "core/error_impl.h"
#include "ctorch/device.h"
#include "nn/module_impl.h"

// t.data = t.to(device), without autograd. Called inside the caller's scope.
static ct_status move_data(ct_tensor *t, ct_device device, int index) {
  if (!t || ct__is_on(t->storage, device, index)) return CT_OK;
  ct_tensor *moved = ct__copy_to(t, device, index);
  if (!moved) return ct_last_status();
  ct__set_data(t, moved);
  return CT_OK;
}

static ct_status move_module(ct_module *m, ct_device device, int index) {
  const struct ct_module_entries *entries = m->entries;
  for (int i = 0; entries && i < entries->count; i++) {
    const ct_module_entry *e = &entries->items[i];
    ct_status st = e->child ? move_module(e->child, device, index) : move_data(e->tensor, device, index);
    if (st == CT_OK && e->tensor) st = move_data(e->tensor->grad, device, index);
    if (st != CT_OK) return st;
  }
  return CT_OK;
}

ct_status ct_module_to(ct_module *m, ct_device device, int index) {
  if (!m) return ct__error(CT_ERR_ARG, "module.to: module is NULL");
  ct_status st = ct__check_usable(device, index, &index);
  if (st != CT_OK) return st;
  ct_scope *s = ct_scope_open();
  if (!s) return ct_last_status();
  st = move_module(m, device, index);
  ct_status closed = ct_scope_close(s);
  return st != CT_OK ? st : closed;
}
