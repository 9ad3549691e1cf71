// PyTorch's normal_fill: the Box-Muller fill used by normal_/randn on contiguous tensors
// with at least 16 elements (paths A and B of the parity sheet, section 3). Path C (the
// serial, cached normal) is ct__gen_normal in generator.h.
#ifndef CTORCH_SRC_RANDOM_NORMAL_FILL_H
#define CTORCH_SRC_RANDOM_NORMAL_FILL_H
#include "random/generator.h"

/// Minimum size of the fill paths; smaller tensors draw serially.
#define CT_NORMAL_FILL_MIN 16

/// Path A: float32, vectorised kernel with Cephes-style log/sincos. Needs n >= 16.
void ct__normal_fill_f32(float *data, int64_t n, float mean, float std, ct_generator *g);
/// Path B: float64 with libm log/cos/sin. Needs n >= 16.
void ct__normal_fill_f64(double *data, int64_t n, double mean, double std, ct_generator *g);
#endif
