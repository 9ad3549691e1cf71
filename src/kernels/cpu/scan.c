// The CPU's cumulative scans (kernels/sort.h): scan_tmpl.h once per numeric dtype (PyTorch
// has no bool scan kernel: bool input is converted to int64, dtype=bool is an error).
#include <math.h>
#include <stdint.h>
#include "kernels/cpu/dtype_rows.h"
#include "kernels/iter.h"
#include "kernels/parallel.h"
#include "kernels/sort.h"

#define T int32_t
#define ACC uint64_t
#define SFX i32
#include "kernels/cpu/scan_tmpl.h"
#define T int64_t
#define ACC uint64_t
#define SFX i64
#include "kernels/cpu/scan_tmpl.h"
#define T float
#define ACC double
#define SFX f32
#define SCAN_FLOAT
#include "kernels/cpu/scan_tmpl.h"
#define T double
#define ACC double
#define SFX f64
#define SCAN_FLOAT
#include "kernels/cpu/scan_tmpl.h"

const ct_scan_fn ct__cpu_cumsum_loops[CT_NUM_DTYPES] = DTYPE_ROW_NUMERIC(cumsum);
const ct_scan_fn ct__cpu_cumprod_loops[CT_NUM_DTYPES] = DTYPE_ROW_NUMERIC(cumprod);
const ct_scan_fn ct__cpu_logcumsumexp_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(logcumsumexp);
