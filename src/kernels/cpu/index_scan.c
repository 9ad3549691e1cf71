// CPU loops over int64 index tensors (index kernel family, kernels/index.h): the range
// scan that validates indices, and the wrapping of negative indices.
#include "kernels/cpu/index_cpu.h"

void ct__cpu_index_scan_i64(char **data, const int64_t *s, int64_t n, void *ctx) {
  ct_index_scan *r = ctx;
  const char *p = data[0];
  int64_t mn = r->min, mx = r->max;
  for (int64_t k = 0; k < n; k++) {
    int64_t v = IDX_AT(p, k, s[0]);
    mn = v < mn ? v : mn;
    mx = v > mx ? v : mx;
  }
  r->min = mn;
  r->max = mx;
  if (r->bad_found || (mn >= r->lo && mx < r->hi)) return;
  for (int64_t k = 0; k < n; k++) { // rare: find the first offender for the message
    int64_t v = IDX_AT(p, k, s[0]);
    if (v < r->lo || v >= r->hi) {
      r->bad_found = true;
      r->bad = v;
      return;
    }
  }
}

void ct__cpu_wrap_negative_i64(char **data, const int64_t *s, int64_t n, void *ctx) {
  int64_t size = *(const int64_t *)ctx;
  for (int64_t k = 0; k < n; k++) {
    int64_t v = IDX_AT(data[1], k, s[1]);
    *(int64_t *)(data[0] + k * s[0]) = v < 0 ? v + size : v;
  }
}
