// CPU comparison, logical and selection loops (bool results / bool conditions).
#include "kernels/cpu/elementwise_cpu.h"
#include "kernels/cpu/elementwise_loops.h"

#define COMPARE(S, T)                                                             \
  EW_BINARY_LOOP(eq_##S, bool, T, a == b)                                         \
  EW_BINARY_LOOP(ne_##S, bool, T, a != b)                                         \
  EW_BINARY_LOOP(lt_##S, bool, T, a < b)                                          \
  EW_BINARY_LOOP(le_##S, bool, T, a <= b)                                         \
  EW_BINARY_LOOP(gt_##S, bool, T, a > b)                                          \
  EW_BINARY_LOOP(ge_##S, bool, T, a >= b)                                         \
  EW_BINARY_LOOP(land_##S, bool, T, a != 0 && b != 0)                             \
  EW_BINARY_LOOP(lor_##S, bool, T, a != 0 || b != 0)                              \
  EW_UNARY_LOOP(lnot_##S, bool, T, a == 0)                                        \
  EW_TERNARY_LOOP(where_##S, T, bool, T, a ? b : c)                               \
  static void any_zero_##S(char **data, const int64_t *s, int64_t n, void *ctx) { \
    const char *x = data[0];                                                      \
    bool found = false;                                                           \
    for (int64_t i = 0; i < n; i++, x += s[0]) found |= *(const T *)x == 0;       \
    if (found) *(bool *)ctx = true;                                               \
  }
COMPARE(b, bool)
EW_FOR_INTS(COMPARE)
EW_FOR_FLOATS(COMPARE)

const ct_loop_fn ct__cpu_ew_compare[CT_EW_COMPARE_COUNT][CT_NUM_DTYPES] = {
    [CT_EW_EQ] = DTYPE_ROW_ALL(eq),
    [CT_EW_NE] = DTYPE_ROW_ALL(ne),
    [CT_EW_LT] = DTYPE_ROW_ALL(lt),
    [CT_EW_LE] = DTYPE_ROW_ALL(le),
    [CT_EW_GT] = DTYPE_ROW_ALL(gt),
    [CT_EW_GE] = DTYPE_ROW_ALL(ge),
    [CT_EW_LOGICAL_AND] = DTYPE_ROW_ALL(land),
    [CT_EW_LOGICAL_OR] = DTYPE_ROW_ALL(lor),
};
const ct_loop_fn ct__cpu_ew_where[CT_NUM_DTYPES] = DTYPE_ROW_ALL(where);
const ct_loop_fn ct__cpu_ew_logical_not[CT_NUM_DTYPES] = DTYPE_ROW_ALL(lnot);
const ct_loop_fn ct__cpu_ew_any_zero[CT_NUM_DTYPES] = DTYPE_ROW_ALL(any_zero);
