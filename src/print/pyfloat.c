// Python's repr(float): the shortest decimal that round-trips, in Python's layout
// (fixed notation for 1e-4 <= |v| < 1e16 with a ".0" for integral values, otherwise
// "1e-05" style exponents).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/error_impl.h"
#include "ctorch/print.h"

// Shortest digits (as printf %.{p}e) that read back as v; fills digits and exponent.
static void shortest(double v, char *digits, int *exponent) {
  char buf[64];
  for (int p = 0; p < 17; p++) {
    snprintf(buf, sizeof buf, "%.*e", p, v);
    if (strtod(buf, NULL) == v) break;
  }
  char *e = strchr(buf, 'e');
  *exponent = atoi(e + 1);
  int n = 0;
  for (char *c = buf; c < e; c++)
    if (*c >= '0' && *c <= '9') digits[n++] = *c;
  while (n > 1 && digits[n - 1] == '0') n--; // trailing zeros carry no information
  digits[n] = '\0';
}

ct_status ct_format_float(double v, char *buf, size_t cap) {
  if (!buf || !cap) return ct__error(CT_ERR_ARG, "format_float: no buffer");
  char out[64];
  if (isnan(v)) snprintf(out, sizeof out, "nan");
  else if (isinf(v)) snprintf(out, sizeof out, v > 0 ? "inf" : "-inf");
  else if (v == 0) snprintf(out, sizeof out, signbit(v) ? "-0.0" : "0.0");
  else {
    char digits[32];
    int exp10;
    shortest(fabs(v), digits, &exp10);
    int nd = (int)strlen(digits);
    char *o = out;
    if (v < 0) *o++ = '-';
    if (exp10 >= -4 && exp10 < 16) {
      if (exp10 < 0) { // 0.000ddd
        o += sprintf(o, "0.");
        for (int i = -1; i > exp10; i--) *o++ = '0';
        o += sprintf(o, "%s", digits);
      } else if (nd <= exp10 + 1) { // integral: ddd00.0
        o += sprintf(o, "%s", digits);
        for (int i = nd; i <= exp10; i++) *o++ = '0';
        o += sprintf(o, ".0");
      } else {
        o += sprintf(o, "%.*s.%s", exp10 + 1, digits, digits + exp10 + 1);
      }
    } else { // d.ddde+XX
      *o++ = digits[0];
      if (nd > 1) o += sprintf(o, ".%s", digits + 1);
      o += sprintf(o, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
    }
    *o = '\0';
  }
  if (strlen(out) + 1 > cap) return ct__error(CT_ERR_ARG, "format_float: buffer too small");
  strcpy(buf, out);
  return CT_OK;
}
