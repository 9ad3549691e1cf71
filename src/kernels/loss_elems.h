// The elementwise losses' per-element formulas (kernels/loss_elem_tmpl.h) for both
// floating dtypes, for the backends' loss kernels (kernels/cpu/loss_pointwise.c,
// kernels/cuda/loss.cu).
#ifndef CTORCH_SRC_KERNELS_LOSS_ELEMS_H
#define CTORCH_SRC_KERNELS_LOSS_ELEMS_H
#define T float
#define SFX f32
#include "kernels/loss_elem_tmpl.h"
#undef T
#undef SFX
#define T double
#define SFX f64
#include "kernels/loss_elem_tmpl.h"
#undef T
#undef SFX
#endif
