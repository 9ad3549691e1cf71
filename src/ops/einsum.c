// einsum: the equation parsed into labels, repeated labels of an operand taken as
// diagonals (a view), operands aligned to one label layout, then contracted left to right
// through bmm (PyTorch's sumproduct_pair). Built from public differentiable ops, so
// gradients (and double backward) come from theirs.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "autograd/linear_backward.h"
#include "core/copy.h"
#include "core/error_impl.h"
#include "ctorch/autograd.h"
#include "ctorch/linalg.h"
#include "ctorch/reduce.h"
#include "ctorch/scope.h"
#include "ctorch/shape_ops.h"
#include "ctorch/view.h"
#include "ops/view_internal.h"

#define LETTERS 52                    // 'A'-'Z' are 0-25, 'a'-'z' 26-51 (PyTorch's order)
#define NUM_LABELS (LETTERS + CT_MAX_DIMS) // ellipsis dims are LETTERS + k, k counted from the left
#define MAX_OPERANDS 64

typedef struct term {
  int n;                // labels, ellipsis dims expanded
  int label[CT_MAX_DIMS * 2];
} term;

typedef struct equation {
  int n_ops;
  term in[MAX_OPERANDS];
  term out;
  int ell;              // ellipsis dims (the most any operand has)
} equation;

static int label_of(char c) { return c >= 'A' && c <= 'Z' ? c - 'A' : c - 'a' + 26; }
static char char_of(int label) { return (char)(label < 26 ? 'A' + label : 'a' + label - 26); }
static bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Parses one term of `text` (up to len chars at index `at` of the equation). ndim >= 0:
// an input operand of that many dims (its ellipsis covers the rest); -1: the output,
// whose ellipsis covers `ell` dims.
static ct_status parse_term(const char *text, int len, int at, int operand, int ndim, int ell, term *t) {
  int letters = 0, ell_at = -1;
  for (int i = 0; i < len; i++) {
    char c = text[i];
    if (c == ' ') continue;
    if (c == '.') {
      if (ell_at >= 0)
        return ndim >= 0 ? ct__error(CT_ERR_ARG, "einsum(): found '.' for operand %d for which an ellipsis was already found", operand)
                         : ct__error(CT_ERR_ARG, "einsum(): found '.' for output but an ellipsis (...) was already found");
      if (i + 2 >= len || text[i + 1] != '.' || text[i + 2] != '.')
        return ndim >= 0 ? ct__error(CT_ERR_ARG, "einsum(): found '.' for operand %d that is not part of any ellipsis", operand)
                         : ct__error(CT_ERR_ARG, "einsum(): found '.' for output that is not part of any ellipsis (...)");
      ell_at = letters;
      i += 2;
      continue;
    }
    if (!is_letter(c))
      return ct__error(CT_ERR_ARG,
                       "einsum(): invalid subscript given at index %d in the equation string, subscripts must be in "
                       "[a-zA-Z]",
                       at + i);
    if (letters >= CT_MAX_DIMS * 2) return ct__error(CT_ERR_ARG, "einsum(): too many subscripts in a term");
    t->label[letters++] = label_of(c);
  }
  int span = 0; // dims the ellipsis covers
  if (ndim >= 0) {
    if (ell_at < 0 && letters != ndim)
      return ct__error(CT_ERR_ARG,
                       "einsum(): the number of subscripts in the equation (%d) does not match the number of "
                       "dimensions (%d) for operand %d and no ellipsis was given",
                       letters, ndim, operand);
    if (ell_at >= 0 && letters > ndim)
      return ct__error(CT_ERR_ARG,
                       "einsum(): the number of subscripts in the equation (%d) is more than the number of dimensions "
                       "(%d) for operand %d",
                       letters, ndim, operand);
    span = ell_at >= 0 ? ndim - letters : 0;
  } else {
    span = ell_at >= 0 ? ell : 0;
  }
  // Insert the ellipsis labels (right-aligned among the `ell` ellipsis dims).
  if (ell_at >= 0) {
    memmove(t->label + ell_at + span, t->label + ell_at, (size_t)(letters - ell_at) * sizeof(int));
    for (int k = 0; k < span; k++) t->label[ell_at + k] = LETTERS + (ndim >= 0 ? CT_MAX_DIMS - span + k : CT_MAX_DIMS - ell + k);
  }
  t->n = letters + span;
  return CT_OK;
}

// PyTorch's first pass over the inputs' side: ellipsis syntax, subscript characters and
// the number of terms, in its order of checks.
static ct_status check_lhs(const char *lhs, size_t len, int n) {
  int op = 0;
  bool ell = false;
  for (size_t i = 0; i < len; i++) {
    char c = lhs[i];
    if (c == ' ') continue;
    if (c == '.') {
      if (ell) return ct__error(CT_ERR_ARG, "einsum(): found '.' for operand %d for which an ellipsis was already found", op);
      if (!(i + 2 < len && lhs[i + 1] == '.' && lhs[i + 2] == '.'))
        return ct__error(CT_ERR_ARG, "einsum(): found '.' for operand %d that is not part of any ellipsis", op);
      i += 2;
      ell = true;
    } else if (c == ',') {
      if (++op >= n) return ct__error(CT_ERR_ARG, "einsum(): fewer operands were provided than specified in the equation");
      ell = false;
    } else if (!is_letter(c)) {
      return ct__error(CT_ERR_ARG,
                       "einsum(): invalid subscript given at index %zu in the equation string, subscripts must be in "
                       "[a-zA-Z]",
                       i);
    }
  }
  if (op != n - 1) return ct__error(CT_ERR_ARG, "einsum(): more operands were provided than specified in the equation");
  return CT_OK;
}

static ct_status parse(const char *eq, int n, ct_tensor *const *ops, equation *e) {
  memset(e, 0, sizeof *e);
  const char *arrow = strstr(eq, "->");
  size_t lhs_len = arrow ? (size_t)(arrow - eq) : strlen(eq);
  if (check_lhs(eq, lhs_len, n) != CT_OK) return ct_last_status();
  if (n > MAX_OPERANDS) return ct__error(CT_ERR_ARG, "einsum(): at most %d operands", MAX_OPERANDS);
  e->n_ops = n;
  size_t start = 0;
  for (int k = 0; k < n; k++) {
    size_t end = start;
    while (end < lhs_len && eq[end] != ',') end++;
    if (parse_term(eq + start, (int)(end - start), (int)start, k, ops[k]->ndim, 0, &e->in[k]) != CT_OK)
      return ct_last_status();
    int span = 0;
    for (int i = 0; i < e->in[k].n; i++) span += e->in[k].label[i] >= LETTERS;
    if (span > e->ell) e->ell = span;
    start = end + 1;
  }
  bool seen[NUM_LABELS] = {false};
  for (int k = 0; k < n; k++)
    for (int i = 0; i < e->in[k].n; i++) seen[e->in[k].label[i]] = true;
  if (arrow) {
    const char *out = arrow + 2;
    if (parse_term(out, (int)strlen(out), (int)(out - eq), 0, -1, e->ell, &e->out) != CT_OK) return ct_last_status();
    bool used[NUM_LABELS] = {false};
    for (int i = 0; i < e->out.n; i++) {
      int l = e->out.label[i];
      if (l >= LETTERS) continue;
      if (!seen[l])
        return ct__error(CT_ERR_ARG, "einsum(): output subscript %c does not appear in the equation for any input operand",
                         char_of(l));
      if (used[l]) return ct__error(CT_ERR_ARG, "einsum(): output subscript %c appears more than once in the output",
                                    char_of(l));
      used[l] = true;
    }
  } else { // implicit: the ellipsis dims, then the labels seen once, in label order
    int times[NUM_LABELS] = {0};
    for (int k = 0; k < n; k++)
      for (int i = 0; i < e->in[k].n; i++) times[e->in[k].label[i]]++;
    for (int k = 0; k < e->ell; k++) e->out.label[e->out.n++] = LETTERS + CT_MAX_DIMS - e->ell + k;
    for (int l = 0; l < LETTERS; l++)
      if (times[l] == 1) e->out.label[e->out.n++] = l;
  }
  return CT_OK;
}

// ---- diagonals ----

typedef struct diagonal_args {
  int keep, merged; // dim `merged` was folded into dim `keep` (keep < merged)
} diagonal_args;

// The geometry of t with dim `merged` folded into `keep` (the diagonal of the two).
static void diagonal_geometry(const ct_tensor *t, int keep, int merged, int64_t *shape, int64_t *strides) {
  for (int d = 0, j = 0; d < t->ndim; d++) {
    if (d == merged) continue;
    shape[j] = t->shape[d];
    strides[j++] = t->strides[d] + (d == keep ? t->strides[merged] : 0);
  }
}

// The diagonal of v (a copy), for double backward (linear_backward.c).
static ct_tensor *diagonal_jvp(ct_node *node, int input, ct_tensor *v, const ct_input_meta *out) {
  (void)input, (void)out;
  const diagonal_args *a = ct__node_args(node, diagonal_args);
  ct_tensor *dense = ct_contiguous(v);
  if (!dense) return NULL;
  int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
  diagonal_geometry(dense, a->keep, a->merged, shape, strides);
  ct_tensor *diag = ct__make_view(dense, dense->ndim - 1, shape, strides, dense->offset);
  return diag ? ct_contiguous(diag) : NULL;
}

static ct_status diagonal_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (ct__create_graph()) return ct__linear_backward(node, grad, grad_in, diagonal_jvp);
  const diagonal_args *a = ct__node_args(node, diagonal_args);
  ct_tensor *z = ct__zeros_for_input(node, 0, grad);
  if (!z) return ct_last_status();
  int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
  diagonal_geometry(z, a->keep, a->merged, shape, strides);
  ct_tensor *diag = ct__make_view(z, z->ndim - 1, shape, strides, z->offset);
  ct_status st = diag ? ct__copy_into(diag, grad) : ct_last_status();
  ct__drop(diag);
  grad_in[0] = z;
  return st;
}

// Folds repeated labels of operand k into diagonals; updates the term.
static ct_tensor *take_diagonals(ct_tensor *t, term *tm, int k) {
  for (int i = 0; t && i < tm->n; i++)
    for (int j = i + 1; t && j < tm->n; j++) {
      if (tm->label[i] != tm->label[j]) continue;
      if (t->shape[i] != t->shape[j]) {
        ct__error(CT_ERR_ARG, "einsum(): subscript %c is repeated for operand %d but the sizes don't match, %lld != %lld",
                  char_of(tm->label[i]), k, (long long)t->shape[j], (long long)t->shape[i]);
        return NULL;
      }
      int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
      diagonal_geometry(t, i, j, shape, strides);
      ct_node *node;
      t = ct__view_op(t, t->ndim - 1, shape, strides, t->offset, "DiagonalBackward0", diagonal_back, &node);
      if (node) *ct__node_args(node, diagonal_args) = (diagonal_args){i, j};
      memmove(tm->label + j, tm->label + j + 1, (size_t)(tm->n - j - 1) * sizeof(int));
      tm->n--, j--;
    }
  return t;
}

// ---- contraction ----

// left * right summed over the dims in `sum` (both have every label dim, size 1 where
// absent), through one bmm: [batch, left-only, sum] @ [batch, sum, right-only].
static ct_tensor *sumproduct_pair(ct_tensor *left, ct_tensor *right, const bool *sum, int ndim) {
  int batch[CT_MAX_DIMS], lo[CT_MAX_DIMS], ro[CT_MAX_DIMS], sm[CT_MAX_DIMS], ones[CT_MAX_DIMS];
  int nb = 0, nl = 0, nr = 0, ns = 0, n1 = 0;
  int64_t bsize = 1, lsize = 1, rsize = 1, ssize = 1;
  for (int d = 0; left && right && d < ndim; d++) {
    int64_t sl = left->shape[d], sr = right->shape[d];
    if (sum[d] && sl > 1 && sr > 1) sm[ns++] = d, ssize *= sl;
    else if (sum[d] && sl > 1) left = ct_sum_dim(left, d, true), ones[n1++] = d;
    else if (sum[d] && sr > 1) right = ct_sum_dim(right, d, true), ones[n1++] = d;
    else if (sum[d]) ones[n1++] = d;
    else if (sl > 1 && sr > 1) batch[nb++] = d, bsize *= sl;
    else if (sl > 1) lo[nl++] = d, lsize *= sl;
    else if (sr > 1) ro[nr++] = d, rsize *= sr;
    else ones[n1++] = d;
  }
  if (!left || !right) return NULL;
  int lperm[CT_MAX_DIMS], rperm[CT_MAX_DIMS], operm[CT_MAX_DIMS], n = 0;
  int64_t oshape[CT_MAX_DIMS];
  // left: batch, lo, sum, (ro, ones: size 1); right: batch, sum, ro, (lo, ones)
  for (int i = 0; i < nb; i++) lperm[n] = rperm[n] = operm[n] = batch[i], oshape[n++] = left->shape[batch[i]];
  int nl0 = n;
  for (int i = 0; i < nl; i++) lperm[n] = operm[n] = lo[i], oshape[n++] = left->shape[lo[i]];
  for (int i = 0; i < nr; i++) operm[n] = ro[i], oshape[n++] = right->shape[ro[i]];
  for (int i = 0; i < n1; i++) operm[n] = ones[i], oshape[n++] = 1;
  for (int i = 0; i < ns; i++) operm[n] = sm[i], oshape[n++] = 1;
  int k = nl0 + nl;
  for (int i = 0; i < ns; i++) lperm[k++] = sm[i];
  for (int i = 0; i < nr; i++) lperm[k++] = ro[i];
  for (int i = 0; i < n1; i++) lperm[k++] = ones[i];
  k = nl0;
  for (int i = 0; i < ns; i++) rperm[k++] = sm[i];
  for (int i = 0; i < nr; i++) rperm[k++] = ro[i];
  for (int i = 0; i < nl; i++) rperm[k++] = lo[i];
  for (int i = 0; i < n1; i++) rperm[k++] = ones[i];
  ct_tensor *a = ct_reshape(ct_permute(left, lperm), 3, (int64_t[]){bsize, lsize, ssize});
  ct_tensor *b = ct_reshape(ct_permute(right, rperm), 3, (int64_t[]){bsize, ssize, rsize});
  ct_tensor *out = ct_reshape(ct_bmm(a, b), ndim, oshape);
  int inverse[CT_MAX_DIMS];
  for (int i = 0; i < ndim; i++) inverse[operm[i]] = i;
  return out ? ct_permute(out, inverse) : NULL;
}

// Operand t (labels tm, diagonals taken) with its dims permuted to `layout` and size-1
// dims for the labels it lacks.
static ct_tensor *aligned(ct_tensor *t, const term *tm, const int *layout, int ndim) {
  if (!t) return NULL;
  int perm[CT_MAX_DIMS], n = 0;
  int64_t shape[CT_MAX_DIMS];
  for (int i = 0; i < ndim; i++) {
    shape[i] = 1;
    for (int j = 0; j < tm->n; j++)
      if (tm->label[j] == layout[i]) perm[n++] = j, shape[i] = t->shape[j];
  }
  return ct_reshape(ct_permute(t, perm), ndim, shape);
}

// PyTorch's message for label sizes that differ: each operand's shape and its aligned one.
static void broadcast_error(ct_tensor *const *operands, ct_tensor *const *ops, int n) {
  char msg[1024] = "einsum(): operands do not broadcast with remapped shapes (original->remapped):";
  for (int k = 0; k < n; k++) {
    char a[256], b[256];
    ct__shape_to_str(operands[k]->ndim, operands[k]->shape, a, sizeof a);
    ct__shape_to_str(ops[k]->ndim, ops[k]->shape, b, sizeof b);
    size_t used = strlen(msg);
    snprintf(msg + used, sizeof msg - used, " %s->%s", a, b);
  }
  ct__error(CT_ERR_ARG, "%s", msg);
}

// Each label's size agrees across operands or is 1, with PyTorch's messages (operands in
// order, a letter's size against the first size other than 1 seen).
static ct_status check_sizes(ct_tensor *const *operands, ct_tensor *const *ops, int n, const int *layout, int ndim) {
  for (int i = 0; i < ndim; i++) {
    int64_t seen = 1;
    for (int k = 0; k < n; k++) {
      int64_t size = ops[k]->shape[i];
      if (size == 1 || seen == 1 || size == seen) {
        if (size != 1) seen = size;
        continue;
      }
      if (layout[i] >= LETTERS) {
        broadcast_error(operands, ops, n);
        return ct_last_status();
      }
      return ct__error(CT_ERR_ARG,
                       "einsum(): subscript %c has size %lld for operand %d which does not broadcast with previously "
                       "seen size %lld",
                       char_of(layout[i]), (long long)size, k, (long long)seen);
    }
  }
  return CT_OK;
}

ct_tensor *ct_einsum(const char *equation_text, int n, ct_tensor *const *operands) {
  if (!equation_text) return ct__error_null(CT_ERR_ARG, "einsum(): equation is NULL");
  if (n <= 0 || !operands) return ct__error_null(CT_ERR_ARG, "einsum(): must provide at least one operand");
  for (int k = 0; k < n; k++) CT_CHECK_NULL(operands[k]);
  equation *e = malloc(sizeof *e);
  if (!e) return ct__error_null(CT_ERR_MEMORY, "out of memory");
  ct_tensor *result = NULL;
  ct_scope *s = ct_scope_open();
  if (s && parse(equation_text, n, operands, e) == CT_OK) {
    // Layout: the output labels in output order, then the others in label order.
    int layout[NUM_LABELS], ndim = 0;
    bool in_layout[NUM_LABELS] = {false}, sum[NUM_LABELS] = {false};
    for (int i = 0; i < e->out.n; i++) layout[ndim++] = e->out.label[i], in_layout[e->out.label[i]] = true;
    for (int k = 0; k < n; k++)
      for (int i = 0; i < e->in[k].n; i++) in_layout[e->in[k].label[i]] = true;
    for (int l = 0; l < NUM_LABELS; l++) {
      bool out = false;
      for (int i = 0; i < e->out.n; i++) out |= e->out.label[i] == l;
      if (in_layout[l] && !out) layout[ndim++] = l;
    }
    if (ndim > CT_MAX_DIMS) {
      ct__error(CT_ERR_ARG, "einsum(): the equation has %d distinct subscripts; ctorch tensors have at most %d dims",
                ndim, CT_MAX_DIMS);
    } else {
      ct_tensor *ops[MAX_OPERANDS];
      int last[CT_MAX_DIMS]; // the last operand with each layout dim
      for (int i = 0; i < ndim; i++) last[i] = -1;
      bool ok = true;
      for (int k = 0; ok && k < n; k++) {
        ops[k] = aligned(take_diagonals(operands[k], &e->in[k], k), &e->in[k], layout, ndim);
        ok = ops[k] != NULL;
        for (int i = 0; ok && i < ndim; i++)
          if (ops[k]->shape[i] != 1) last[i] = k;
      }
      if (ok && check_sizes(operands, ops, n, layout, ndim) != CT_OK) ok = false;
      int n_out = e->out.n;
      result = ok ? ops[0] : NULL;
      for (int k = 1; result && k < n; k++) {
        for (int i = n_out; i < ndim; i++) sum[i] = last[i] <= k;
        result = sumproduct_pair(result, ops[k], sum, ndim);
      }
      int dims[CT_MAX_DIMS], n_sum = 0; // what is left of the contracted dims (one operand)
      for (int i = n_out; result && i < ndim; i++)
        if (result->shape[i] != 1) dims[n_sum++] = i;
      if (result && n_sum) result = ct_sum_dims(result, dims, n_sum, true);
      if (result) {
        int64_t shape[CT_MAX_DIMS];
        memcpy(shape, result->shape, (size_t)n_out * sizeof(int64_t));
        result = ct_reshape(result, n_out, shape);
      }
    }
  }
  free(e);
  if (s && ct__close_keeping(s, &result, 1) != CT_OK) return NULL;
  return result;
}
