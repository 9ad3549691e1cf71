// CPU exponential draws and multinomial sampling of the random kernel family
// (kernels/random.h), from random_sampling_tmpl.h once per floating dtype.
#define _GNU_SOURCE // qsort_r
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "kernels/cpu/dtype_rows.h"
#include "kernels/cpu/random_cpu.h"

// Raw outputs taken per call of the source (a stack buffer).
#define DRAW_CHUNK 512

#define T float
#define SFX f32
#include "kernels/cpu/random_sampling_tmpl.h"
#define T double
#define SFX f64
#include "kernels/cpu/random_sampling_tmpl.h"
