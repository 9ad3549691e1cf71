// The CPU's nll_loss loops (kernels/loss.h), PyTorch 1.13's CPU frames: reduced losses
// are summed with the frame's own 8-level cascade so they match PyTorch bit for bit;
// with label smoothing (cross_entropy) the same pass also accumulates the smoothing
// term. loss_nll_tmpl.h once per floating dtype.
#include "kernels/cpu/dtype_rows.h"
#include "kernels/loss.h"
#include <math.h>
#include <string.h>

#define CASCADE_LEVELS 8

static int64_t ceil_log2(int64_t x) {
  if (x <= 2) return 1;
  return 64 - __builtin_clzll((unsigned long long)(x - 1));
}

#define T float
#define SFX f32
#include "kernels/cpu/loss_nll_tmpl.h"
#define T double
#define SFX f64
#include "kernels/cpu/loss_nll_tmpl.h"

const ct_nll_forward_fn ct__cpu_nll_forward_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(nll_forward);
const ct_nll_backward_fn ct__cpu_nll_backward_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(nll_backward);
