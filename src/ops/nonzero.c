// nonzero: the positions of the non-zero elements (the index family's mask scan over
// t != 0), unravelled into one column per dim with public integer ops.
#include "core/copy.h"
#include "core/device.h"
#include "core/error_impl.h"
#include "core/tensor_impl.h"
#include "ctorch/autograd.h"
#include "ctorch/creation.h"
#include "ctorch/ops.h"
#include "ctorch/sort.h"
#include "ctorch/view.h"
#include "kernels/dispatch.h"
#include "kernels/index.h"

// Flat (row-major) positions of t's non-zero elements, int64 [count].
static ct_tensor *nonzero_positions(ct_tensor *t) {
  ct_tensor *mask = ct_ne_scalar(t, 0); // a new contiguous bool tensor
  if (!mask) return NULL;
  const ct_index_kernels *k = ct__kernels(t->storage->device)->index;
  const bool *bits = (const bool *)ct__data(mask);
  const int64_t n = ct_numel(mask);
  ct_tensor *pos = ct__alloc(CT_INT64, 1, (const int64_t[]){k->mask_positions(bits, n, NULL)});
  if (pos) k->mask_positions(bits, n, (int64_t *)ct__data(pos));
  ct__drop(mask);
  return pos;
}

// The index along dim d of each flat position: pos / stride % size.
static ct_tensor *unravel(ct_tensor *pos, const ct_tensor *t, int d) {
  int64_t stride = 1;
  for (int i = t->ndim - 1; i > d; i--) stride *= t->shape[i];
  return ct_remainder(ct_floor_divide(pos, ct_scalar((double)stride, CT_INT64)),
                      ct_scalar((double)t->shape[d], CT_INT64));
}

ct_tensor *ct_nonzero(ct_tensor *t) {
  CT_CHECK_NULL(t);
  if (ct__check_device(t) != CT_OK) return NULL;
  ct_scope *s = ct_scope_open(); // temporaries die with it
  if (!s) return NULL;
  bool grad_mode = ct_no_grad_enter();
  ct_tensor *pos = nonzero_positions(t), *out = NULL;
  if (pos && (t->ndim == 0 || pos->shape[0] == 0)) {
    out = ct_zeros(2, (const int64_t[]){pos->shape[0], t->ndim}, CT_INT64);
  } else if (pos) {
    ct_tensor *cols[CT_MAX_DIMS];
    for (int d = 0; d < t->ndim; d++) cols[d] = unravel(pos, t, d);
    out = ct_stack(cols, t->ndim, 1);
  }
  ct_grad_mode_restore(grad_mode);
  return ct__close_keeping(s, &out, 1) == CT_OK ? out : NULL;
}

int ct_nonzero_tuple(ct_tensor *t, ct_tensor **out) {
  if (!t || !out) {
    if (t) ct__error(CT_ERR_ARG, "nonzero_tuple: out must not be NULL");
    return -1;
  }
  const int n = t->ndim ? t->ndim : 1;
  for (int d = 0; d < n; d++) out[d] = NULL;
  ct_scope *s = ct_scope_open(); // nonzero()'s matrix dies with it; its columns keep the storage
  if (!s) return -1;
  ct_tensor *nz = ct_nonzero(t);
  if (nz)
    for (int d = 0; d < n; d++) // a 0-d t: t.unsqueeze(0).nonzero().unbind(1), zeros [count]
      out[d] = t->ndim ? ct_select(nz, 1, d) : ct_zeros(1, nz->shape, CT_INT64);
  if (ct__close_keeping(s, out, n) != CT_OK) return -1;
  for (int d = 0; d < n; d++)
    if (!out[d]) {
      for (int e = 0; e < n; e++) ct__drop(out[e]);
      return -1;
    }
  return n;
}
