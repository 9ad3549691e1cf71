#include "testutil.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int tu_allclose(const ct_tensor *t, const double *expected, int64_t n, double rtol, double atol) {
  if (!t) {
    fprintf(stderr, "tu_allclose: tensor is NULL (%s)\n", ct_last_error());
    return 0;
  }
  if (ct_numel(t) != n) {
    fprintf(stderr, "tu_allclose: numel %lld != %lld\n", (long long)ct_numel(t), (long long)n);
    return 0;
  }
  double *got = malloc(sizeof(double) * (size_t)(n ? n : 1));
  ct_to_f64_array(t, got);
  for (int64_t i = 0; i < n; i++) {
    double a = got[i], b = expected[i];
    if (isnan(a) && isnan(b)) continue;
    if (a == b) continue;
    if (!(fabs(a - b) <= atol + rtol * fabs(b))) {
      fprintf(stderr, "tu_allclose: element %lld: got %.17g expected %.17g\n", (long long)i, a, b);
      free(got);
      return 0;
    }
  }
  free(got);
  return 1;
}

const char *tu_repr(const ct_tensor *t) {
  static char buf[1 << 16];
  if (ct_repr(t, buf, sizeof buf) != CT_OK) snprintf(buf, sizeof buf, "<error: %s>", ct_last_error());
  return buf;
}

char *tu_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  if (buf) {
    buf[n] = '\0';
    if (len) *len = (size_t)n;
  }
  return buf;
}
