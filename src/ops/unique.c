// unique and unique_consecutive over the flattened tensor (dim=None), composed of public
// ops: for unique a stable sort first; then a mask of where each run of equal values
// starts, the values at those starts; inverse and counts from the run numbers. Not
// differentiable (as PyTorch).
#include "core/device.h"
#include "core/error_impl.h"
#include "core/tensor_impl.h"
#include "ctorch/autograd.h"
#include "ctorch/creation.h"
#include "ctorch/index.h"
#include "ctorch/ops.h"
#include "ctorch/sort.h"
#include "ctorch/view.h"

// Mask over sorted 1-D values: true where a run of equal values starts (NaN != NaN, so
// every NaN starts its own).
static ct_tensor *run_starts(ct_tensor *sorted) {
  const int64_t n = sorted->shape[0];
  ct_tensor *first = ct_ones(1, (const int64_t[]){1}, CT_BOOL);
  if (n <= 1) return first;
  ct_tensor *changed = ct_ne(ct_narrow(sorted, 0, 1, n - 1), ct_narrow(sorted, 0, 0, n - 1));
  return ct_cat((ct_tensor *[]){first, changed}, 2, 0);
}

// The runs of equal neighbours of t flattened, sorted first when `sort`.
static ct_tensor *unique_impl(ct_tensor *t, bool sort, ct_tensor **inverse, ct_tensor **counts) {
  const int64_t n = ct_numel(t);
  ct_tensor *perm = NULL, *flat = ct_reshape(t, 1, (const int64_t[]){n});
  ct_tensor *runs_of = sort ? ct_sort(flat, 0, false, true, &perm) : flat;
  if (!runs_of) return NULL;
  if (n == 0) {
    if (inverse) *inverse = ct_zeros(t->ndim, t->shape, CT_INT64);
    if (counts) *counts = ct_zeros(1, (const int64_t[]){0}, CT_INT64);
    return ct_clone(runs_of);
  }
  ct_tensor *starts = run_starts(runs_of);
  ct_tensor *values = ct_index(runs_of, starts);
  // run number of each element (sorted order when sorting): cumsum(starts) - 1
  ct_tensor *run = ct_sub(ct_cumsum(starts, 0), ct_scalar(1, CT_INT64));
  if (!values || !run) return NULL;
  if (inverse) // back to t's order through the sort's permutation
    *inverse = ct_reshape(sort ? ct_scatter_add(ct_zeros(1, (const int64_t[]){n}, CT_INT64), 0, perm, run) : run,
                          t->ndim, t->shape);
  if (counts)
    *counts = ct_scatter_add(ct_zeros(1, values->shape, CT_INT64), 0, run, ct_ones(1, (const int64_t[]){n}, CT_INT64));
  return values;
}

static ct_tensor *unique_entry(ct_tensor *t, bool sort, ct_tensor **inverse, ct_tensor **counts) {
  if (inverse) *inverse = NULL;
  if (counts) *counts = NULL;
  CT_CHECK_NULL(t);
  if (ct__check_device(t) != CT_OK) return NULL;
  ct_scope *s = ct_scope_open(); // temporaries die with it
  if (!s) return NULL;
  bool grad_mode = ct_no_grad_enter();
  ct_tensor *results[3] = {NULL, NULL, NULL};
  results[0] = unique_impl(t, sort, inverse ? &results[1] : NULL, counts ? &results[2] : NULL);
  ct_grad_mode_restore(grad_mode);
  ct_status st = ct__close_keeping(s, results, 3);
  bool ok = st == CT_OK && results[0] && (!inverse || results[1]) && (!counts || results[2]);
  if (!ok) { // a failed part: give back the others
    for (int i = 0; i < 3; i++) ct__drop(results[i]);
    return NULL;
  }
  if (inverse) *inverse = results[1];
  if (counts) *counts = results[2];
  return results[0];
}

ct_tensor *ct_unique(ct_tensor *t, ct_tensor **inverse, ct_tensor **counts) {
  return unique_entry(t, true, inverse, counts);
}

ct_tensor *ct_unique_consecutive(ct_tensor *t, ct_tensor **inverse, ct_tensor **counts) {
  return unique_entry(t, false, inverse, counts);
}
