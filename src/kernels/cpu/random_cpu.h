// Declarations shared by the CPU random kernel files (random_fill.c, random_box_muller.c).
#ifndef CTORCH_SRC_KERNELS_CPU_RANDOM_CPU_H
#define CTORCH_SRC_KERNELS_CPU_RANDOM_CPU_H
#include "kernels/random.h"

/// 2*pi rounded to double (2.0 * c10::pi<double>).
#define CT_CPU_TWO_PI 0x1.921fb54442d18p+2

/// Box-Muller on a block of 16 uniforms in place: d[j], d[j+8] (j < 8) become
/// mean + std * (r cos theta, r sin theta), r = sqrt(-2 log(1 - d[j])), theta = 2 pi d[j+8].
void ct__cpu_box_muller16_f32(float *d, float mean, float std);
void ct__cpu_box_muller16_f64(double *d, double mean, double std);

#endif
