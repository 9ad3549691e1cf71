// The optimizers' per-element steps (kernels/optim_step_tmpl.h) for both floating dtypes,
// for the backends' optimizer kernels (kernels/cpu/optim.c, kernels/cuda/optim.cu).
#ifndef CTORCH_SRC_KERNELS_OPTIM_STEPS_H
#define CTORCH_SRC_KERNELS_OPTIM_STEPS_H
#define T float
#define SFX f32
#include "kernels/optim_step_tmpl.h"
#undef T
#undef SFX
#define T double
#define SFX f64
#include "kernels/optim_step_tmpl.h"
#undef T
#undef SFX
#endif
