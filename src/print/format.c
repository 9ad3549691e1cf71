// PyTorch's _Formatter (torch/_tensor_str.py, precision 4):
// * bools and integers print as Python's str(v); the width is the longest string.
// * floats look at V, the finite nonzero values (-0., nan and inf are left out):
//   - int mode when every v in V is an integer (or V is empty): "%.0f" plus ".";
//   - scientific ("%.4e") when max|V| / min|V| > 1000 or max|V| > 1e8, or, outside int
//     mode, min|V| < 1e-4 (all in double; a float32 min is compared as its exact value);
//   - otherwise fixed "%.4f".
//   The width is the longest formatted v in V (at least 1); specials never widen it.
// Formatted length is monotone in |v| for each sign (correct rounding is monotone), so the
// width only needs the extreme values of each sign instead of formatting every element.
// glibc's printf rounds the exact binary value like Python's float formatting does.
#include <math.h>
#include <stdio.h>
#include "print/print_impl.h"

int ct__format_float(const ct__formatter *fmt, double v, char out[CT__FMT_MAX]) {
  const char *special = isnan(v) ? "nan" : isinf(v) ? (v > 0 ? "inf" : "-inf") : NULL;
  if (special) return snprintf(out, CT__FMT_MAX, "%s", special);
  switch (fmt->mode) {
  case CT__FMT_SCI: return snprintf(out, CT__FMT_MAX, "%.*e", CT__PRINT_PRECISION, v);
  case CT__FMT_INTEGRAL: return snprintf(out, CT__FMT_MAX, "%.0f.", v);
  default: return snprintf(out, CT__FMT_MAX, "%.*f", CT__PRINT_PRECISION, v);
  }
}

int ct__format_int(const ct__formatter *fmt, int64_t v, char out[CT__FMT_MAX]) {
  if (fmt->mode == CT__FMT_BOOL) return snprintf(out, CT__FMT_MAX, "%s", v ? "True" : "False");
  return snprintf(out, CT__FMT_MAX, "%lld", (long long)v);
}

// Extremes of V per sign: the longest formatted values are among them.
typedef struct float_stats {
  bool any, integral, any_pos, any_neg;
  double pos_lo, pos_hi; // smallest and largest positive
  double neg_lo, neg_hi; // negative closest to zero and most negative (by magnitude)
} float_stats;

static float_stats scan_floats(const double *v, int64_t n) {
  float_stats s = {.integral = true, .pos_lo = INFINITY, .neg_lo = -INFINITY};
  for (int64_t k = 0; k < n; k++) {
    double x = v[k];
    if (!isfinite(x) || x == 0) continue;
    s.any = true;
    if (s.integral && x != ceil(x)) s.integral = false;
    if (x > 0) {
      s.any_pos = true;
      if (x < s.pos_lo) s.pos_lo = x;
      if (x > s.pos_hi) s.pos_hi = x;
    } else {
      s.any_neg = true;
      if (x > s.neg_lo) s.neg_lo = x;
      if (x < s.neg_hi) s.neg_hi = x;
    }
  }
  return s;
}

static void widen(ct__formatter *fmt, double v) {
  char buf[CT__FMT_MAX];
  int len = ct__format_float(fmt, v, buf);
  if (len > fmt->width) fmt->width = len;
}

static void init_float(ct__formatter *fmt, const double *v, int64_t n) {
  fmt->mode = CT__FMT_INTEGRAL;
  fmt->width = 1;
  float_stats s = scan_floats(v, n);
  if (!s.any) return;
  double max_abs = fmax(s.any_pos ? s.pos_hi : 0, s.any_neg ? -s.neg_hi : 0);
  double min_abs = fmin(s.any_pos ? s.pos_lo : INFINITY, s.any_neg ? -s.neg_lo : INFINITY);
  bool sci = max_abs / min_abs > 1000.0 || max_abs > 1.0e8 || (!s.integral && min_abs < 1.0e-4);
  fmt->mode = sci ? CT__FMT_SCI : s.integral ? CT__FMT_INTEGRAL : CT__FMT_FIXED;
  if (s.any_pos) {
    widen(fmt, s.pos_lo);
    widen(fmt, s.pos_hi);
  }
  if (s.any_neg) {
    widen(fmt, s.neg_lo);
    widen(fmt, s.neg_hi);
  }
}

static void init_int(ct__formatter *fmt, const int64_t *v, int64_t n, bool is_bool) {
  fmt->mode = is_bool ? CT__FMT_BOOL : CT__FMT_INT;
  fmt->width = 1;
  if (n == 0) return;
  int64_t lo = v[0], hi = v[0];
  for (int64_t k = 1; k < n; k++) {
    lo = v[k] < lo ? v[k] : lo;
    hi = v[k] > hi ? v[k] : hi;
  }
  char buf[CT__FMT_MAX];
  int a = ct__format_int(fmt, lo, buf), b = ct__format_int(fmt, hi, buf);
  fmt->width = a > b ? a : b;
}

void ct__formatter_init(ct__formatter *fmt, const ct__shown *shown) {
  if (shown->floating) init_float(fmt, shown->f, shown->n);
  else init_int(fmt, shown->i, shown->n, shown->dtype == CT_BOOL);
}
