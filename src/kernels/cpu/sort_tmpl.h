// sort, topk and kthvalue (kernels/sort.h) for one dtype, for sort.c. Included once per
// dtype with:
//   T  the element type   SFX  its suffix (b, i32, i64, f32, f64)
//   SORT_ISNAN(x)  isnan(x) for floating types, 0 otherwise
//   SORT_SELECT    defined where topk and kthvalue exist (not bool)
#define NAME(x) CT_SUFFIXED(x, SFX)
#include "kernels/cpu/sort_std_tmpl.h"

typedef struct NAME(rows_job) {
  T *values;
  int64_t *indices;
  const T *in;
  const ct_sort_args *a;
} NAME(rows_job);

// Row (o, i) of the input into pairs (value, position).
static void NAME(load_row)(PAIR *p, const NAME(rows_job) *job, int64_t o, int64_t i) {
  const ct_rows_shape s = job->a->s;
  const T *row = job->in + o * s.n * s.inner + i;
  for (int64_t j = 0; j < s.n; j++) p[j] = (PAIR){row[j * s.inner], j};
}

// The first m pairs into row (o, i) of the results ([outer, m, inner]).
static void NAME(store_row)(const PAIR *p, int64_t m, const NAME(rows_job) *job, int64_t o, int64_t i) {
  const int64_t inner = job->a->s.inner, base = o * m * inner + i;
  for (int64_t j = 0; j < m; j++) {
    job->values[base + j * inner] = p[j].v;
    job->indices[base + j * inner] = p[j].i;
  }
}

// PyTorch's sort_kernel: std::stable_sort or std::sort of the row.
static void NAME(sort_row)(void *scratch, int64_t o, int64_t i, const void *ctx) {
  const NAME(rows_job) *job = ctx;
  const int64_t n = job->a->s.n;
  PAIR *p = scratch;
  NAME(load_row)(p, job, o, i);
  if (job->a->stable) NAME(stable_sort)(p, p + n, n, job->a->descending);
  else NAME(std_sort)(p, p + n, job->a->descending);
  NAME(store_row)(p, n, job, o, i);
}

static bool NAME(sort)(void *values, int64_t *indices, const void *in, const ct_sort_args *a) {
  const NAME(rows_job) job = {values, indices, in, a};
  return ct__sort_rows(&a->s, 2 * (size_t)a->s.n * sizeof(PAIR), NAME(sort_row), &job);
}

#ifdef SORT_SELECT
// PyTorch's topk_impl_loop: a partial sort when k * 64 <= n, else nth_element at k - 1
// and (when sorted) a sort of the k - 1 pairs before it.
static void NAME(topk_row)(void *scratch, int64_t o, int64_t i, const void *ctx) {
  const NAME(rows_job) *job = ctx;
  const int64_t n = job->a->s.n, k = job->a->k;
  const bool desc = job->a->descending;
  PAIR *p = scratch;
  NAME(load_row)(p, job, o, i);
  if (k * 64 <= n) {
    NAME(partial_sort)(p, p + k, p + n, desc);
  } else {
    NAME(nth_element)(p, p + k - 1, p + n, desc);
    if (job->a->stable) NAME(std_sort)(p, p + k - 1, desc);
  }
  NAME(store_row)(p, k, job, o, i);
}

static bool NAME(topk)(void *values, int64_t *indices, const void *in, const ct_sort_args *a) {
  if (a->k == 0) return true;
  const NAME(rows_job) job = {values, indices, in, a};
  return ct__sort_rows(&a->s, (size_t)a->s.n * sizeof(PAIR), NAME(topk_row), &job);
}

// PyTorch's kthvalue: quickselect of the (k-1)-th pair.
static void NAME(kthvalue_row)(void *scratch, int64_t o, int64_t i, const void *ctx) {
  const NAME(rows_job) *job = ctx;
  PAIR *p = scratch;
  NAME(load_row)(p, job, o, i);
  NAME(quick_select)(p, job->a->s.n, job->a->k - 1);
  NAME(store_row)(p + job->a->k - 1, 1, job, o, i);
}

static bool NAME(kthvalue)(void *values, int64_t *indices, const void *in, const ct_sort_args *a) {
  const NAME(rows_job) job = {values, indices, in, a};
  return ct__sort_rows(&a->s, (size_t)a->s.n * sizeof(PAIR), NAME(kthvalue_row), &job);
}
#endif

#undef PAIR
#undef NAME
#undef T
#undef SFX
#undef SORT_ISNAN
#undef SORT_SELECT
