// Helpers shared by the unit tests (cmocka) and the oracle test programs.
#ifndef CTORCH_TESTUTIL_H
#define CTORCH_TESTUTIL_H
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include "ctorch.h"

/// Element-wise comparison of t with expected[] (row-major), |a-b| <= atol + rtol*|b|.
/// Returns 1 when equal, else prints the first mismatch to stderr and returns 0.
int tu_allclose(const ct_tensor *t, const double *expected, int64_t n, double rtol, double atol);
/// ct_repr into a static buffer (for assertions on printed output).
const char *tu_repr(const ct_tensor *t);
/// Reads a whole line-oriented case file into memory; returns NULL on failure.
char *tu_read_file(const char *path, size_t *len);
#endif
