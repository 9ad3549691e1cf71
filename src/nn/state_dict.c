// load_state_dict: copy values into a module's parameters and persistent buffers by name. PyTorch's checks and its
// single report ("Error(s) in loading state_dict for Net:\n\t..."), but everything is
// validated before anything is copied, so a failed load leaves the module as it was
// (PyTorch copies the matching entries before raising).
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/copy.h"
#include "core/error_impl.h"
#include "core/operand.h"
#include "core/tensor_impl.h"
#include "nn/module_impl.h"

// A growing message: reasons joined by "\n\t".
typedef struct report {
  char *text;
  size_t len, cap;
  int reasons;
  bool out_of_memory;
} report;

static void append(report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append(report *r, const char *fmt, ...) {
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(r->text ? r->text + r->len : NULL, r->text ? r->cap - r->len : 0, fmt, ap);
    va_end(ap);
    if (n < 0 || r->out_of_memory) return;
    if (r->text && r->len + (size_t)n < r->cap) {
      r->len += (size_t)n;
      return;
    }
    size_t cap = 2 * (r->len + (size_t)n + 64);
    char *text = realloc(r->text, cap);
    if (!text) {
      r->out_of_memory = true;
      return;
    }
    r->text = text;
    r->cap = cap;
  }
}

static void start_reason(report *r) {
  append(r, "\n\t");
  r->reasons++;
}

static const ct_named_tensor *find(const ct_named_list *l, const char *name) {
  for (int i = 0; i < l->count; i++)
    if (!strcmp(l->items[i].name, name)) return &l->items[i];
  return NULL;
}

// Whether m has a child or a state entry (parameter, persistent buffer) named name[0..len).
static bool has_entry(const ct_module *m, const char *name, size_t len) {
  for (int i = 0; i < m->entries->count; i++) {
    const ct_module_entry *e = &m->entries->items[i];
    if (strlen(e->name) == len && !memcmp(e->name, name, len) && (e->kind == CT_ENTRY_CHILD || ct__entry_in_state(e)))
      return true;
  }
  return false;
}

// The entry a dotted state-dict name of m's own list names.
static const ct_module_entry *entry_at(ct_module *m, const char *dotted) {
  char part[sizeof(((ct_named_tensor *)0)->name)];
  for (;;) {
    size_t len = strcspn(dotted, ".");
    if (len >= sizeof part) return NULL;
    memcpy(part, dotted, len);
    part[len] = '\0';
    ct_module_entry *e = ct__module_entry(m, part);
    if (!e || !dotted[len]) return e;
    if (e->kind != CT_ENTRY_CHILD) return NULL;
    m = e->child;
    dotted += len + 1;
  }
}

// A buffer BatchNorm fills with 0 when a checkpoint lacks it (ct__module_mark_legacy_buffer).
static bool zero_if_missing(ct_module *m, const char *name) {
  const ct_module_entry *e = entry_at(m, name);
  return e && e->zero_if_missing;
}

// PyTorch's rule, module by module: a key under this module's prefix is unexpected when its
// next name component is neither a child nor a parameter or persistent buffer of the module. Appends indices
// into state->items to `order` in PyTorch's reporting order.
static void find_unexpected(const ct_module *m, const char *prefix, const ct_named_list *state, int *order,
                            int *count) {
  size_t plen = strlen(prefix);
  for (int k = 0; k < state->count; k++) {
    const char *key = state->items[k].name;
    if (strncmp(key, prefix, plen)) continue;
    const char *rest = key + plen;
    if (!has_entry(m, rest, strcspn(rest, "."))) order[(*count)++] = k;
  }
  char child_prefix[2 * sizeof(((ct_named_tensor *)0)->name)];
  for (int i = 0; i < m->entries->count; i++) {
    const ct_module_entry *e = &m->entries->items[i];
    int n = e->child ? snprintf(child_prefix, sizeof child_prefix, "%s%s.", prefix, e->name) : -1;
    // A prefix longer than any key matches nothing below.
    if (n > 0 && (size_t)n < sizeof child_prefix) find_unexpected(e->child, child_prefix, state, order, count);
  }
}

static void report_key_list(report *r, const char *what, const ct_named_list *l, const int *idx, int n) {
  if (!n) return;
  start_reason(r);
  append(r, "%s key(s) in state_dict: ", what);
  for (int i = 0; i < n; i++) append(r, "%s\"%s\"", i ? ", " : "", l->items[idx[i]].name);
  append(r, ". ");
}

// PyTorch's backward-compatibility rule for 0.3 checkpoints: a 1-D value for a 0-d
// parameter stands for its first element.
static bool legacy_scalar(const ct_tensor *dst, const ct_tensor *src) { return dst->ndim == 0 && src->ndim == 1; }

static void report_value(report *r, const ct_named_tensor *own, const ct_tensor *src) {
  if (!src) {
    start_reason(r);
    append(r,
           "While copying the parameter named \"%s\", expected torch.Tensor or Tensor-like object from checkpoint "
           "but received <class 'NoneType'>",
           own->name);
    return;
  }
  const ct_tensor *dst = own->tensor;
  if (legacy_scalar(dst, src)) return; // an empty one was rejected up front
  if (src->ndim == dst->ndim && !memcmp(src->shape, dst->shape, (size_t)src->ndim * sizeof(int64_t))) return;
  char a[256], b[256];
  ct__shape_to_str(src->ndim, src->shape, a, sizeof a);
  ct__shape_to_str(dst->ndim, dst->shape, b, sizeof b);
  start_reason(r);
  append(r,
         "size mismatch for %s: copying a param with shape torch.Size(%s) from checkpoint, the shape in current "
         "model is torch.Size(%s).",
         own->name, a, b);
}

// All reasons, in PyTorch's order: missing keys, unexpected keys, then per-parameter ones.
static void validate(ct_module *m, const ct_named_list *own, const ct_named_list *state, bool strict, int *scratch,
                     report *r) {
  if (strict) {
    int n = 0;
    for (int i = 0; i < own->count; i++)
      if (!find(state, own->items[i].name) && !zero_if_missing(m, own->items[i].name)) scratch[n++] = i;
    report_key_list(r, "Missing", own, scratch, n);
    n = 0;
    find_unexpected(m, "", state, scratch, &n);
    report_key_list(r, "Unexpected", state, scratch, n);
  }
  for (int i = 0; i < own->count; i++) {
    const ct_named_tensor *src = find(state, own->items[i].name);
    if (src) report_value(r, &own->items[i], src->tensor);
  }
}

// PyTorch indexes value[0] for the legacy rule as it meets the parameter, so an empty
// value raises IndexError before any report is made.
static ct_status check_legacy_empty(const ct_named_list *own, const ct_named_list *state) {
  for (int i = 0; i < own->count; i++) {
    const ct_named_tensor *src = find(state, own->items[i].name);
    if (src && src->tensor && legacy_scalar(own->items[i].tensor, src->tensor) && src->tensor->shape[0] == 0)
      return ct__error(CT_ERR_INDEX, "index 0 is out of bounds for dimension 0 with size 0");
  }
  return CT_OK;
}

static ct_status copy_value(ct_tensor *dst, const ct_tensor *src) {
  ct__bump_version(dst); // torch's param.copy_(value)
  if (!legacy_scalar(dst, src)) return ct__copy_into(dst, src);
  const ct_operand ops[2] = {ct__operand(dst), ct__operand_as(src, 0, NULL, NULL)}; // src's element 0, as 0-d
  return ct__copy_operands(ops);
}

ct_status ct_module_load_state_dict(ct_module *m, const ct_named_list *state, bool strict) {
  if (!m) return ct__error(CT_ERR_ARG, "load_state_dict: module is NULL");
  if (!state) return ct__error(CT_ERR_ARG, "load_state_dict: state dict is NULL");
  if (state->count < 0)
    return ct__error(CT_ERR_ARG, "load_state_dict: the state dict's count is negative (%lld)", (long long)state->count);
  if (state->count && !state->items)
    return ct__error(CT_ERR_ARG, "load_state_dict: the state dict's items are NULL but its count is %lld",
                     (long long)state->count);
  ct_named_list *own = ct__module_state_entries(m);
  if (!own) return ct_last_status();
  if (check_legacy_empty(own, state) != CT_OK) {
    ct_named_list_free(own);
    return CT_ERR_INDEX;
  }
  int n = own->count > state->count ? own->count : state->count;
  int *scratch = malloc((size_t)(n ? n : 1) * sizeof *scratch);
  report r = {0};
  ct_status st = CT_OK;
  if (scratch) validate(m, own, state, strict, scratch, &r);
  if (!scratch || r.out_of_memory) {
    st = ct__error(CT_ERR_MEMORY, "out of memory loading a state_dict");
  } else if (r.reasons) {
    st = ct__error(CT_ERR_ARG, "Error(s) in loading state_dict for %s:%s", m->vtable->name, r.text);
  } else {
    for (int i = 0; st == CT_OK && i < own->count; i++) {
      const ct_named_tensor *src = find(state, own->items[i].name);
      if (src) {
        st = copy_value(own->items[i].tensor, src->tensor);
      } else if (zero_if_missing(m, own->items[i].name)) {
        ct__bump_version(own->items[i].tensor);
        st = ct__fill(own->items[i].tensor, 0);
      }
    }
  }
  free(r.text);
  free(scratch);
  ct_named_list_free(own);
  return st;
}
