// Declarations shared by the CPU elementwise kernel files (assembled into the kernel
// table in elementwise_table.c).
#ifndef CTORCH_SRC_KERNELS_CPU_ELEMENTWISE_CPU_H
#define CTORCH_SRC_KERNELS_CPU_ELEMENTWISE_CPU_H
#include "kernels/elementwise.h"

extern const ct_loop_fn ct__cpu_ew_binary[CT_EW_BINARY_COUNT][CT_NUM_DTYPES];
extern const ct_loop_fn ct__cpu_ew_compare[CT_EW_COMPARE_COUNT][CT_NUM_DTYPES];
extern const ct_loop_fn ct__cpu_ew_unary[CT_EW_UNARY_COUNT][CT_NUM_DTYPES];
extern const ct_loop_fn ct__cpu_ew_math[CT_EW_MATH_COUNT][CT_NUM_DTYPES];
extern const ct_loop_fn ct__cpu_ew_grad[CT_EW_GRAD_COUNT][CT_NUM_DTYPES];
extern const ct_loop_fn ct__cpu_ew_grad2[CT_EW_GRAD2_COUNT][CT_NUM_DTYPES];
extern const ct_loop_fn ct__cpu_ew_where[CT_NUM_DTYPES];
extern const ct_loop_fn ct__cpu_ew_logical_not[CT_NUM_DTYPES];
extern const ct_loop_fn ct__cpu_ew_any_zero[CT_NUM_DTYPES];

// Loops defined in elementwise_math.c (SLEEF or libm) and used by other tables.
void ct__cpu_pow_f32(char **data, const int64_t *strides, int64_t n, void *ctx);
void ct__cpu_pow_f64(char **data, const int64_t *strides, int64_t n, void *ctx);
// Exact GELU forward (out, x) and backward (out, grad_out, x) loops (gelu.c).
void ct__cpu_gelu_f32(char **data, const int64_t *strides, int64_t n, void *ctx);
void ct__cpu_gelu_f64(char **data, const int64_t *strides, int64_t n, void *ctx);
void ct__cpu_gelu_backward_f32(char **data, const int64_t *strides, int64_t n, void *ctx);
void ct__cpu_gelu_backward_f64(char **data, const int64_t *strides, int64_t n, void *ctx);
// Integer pow by a scalar exponent >= 0 (elementwise_binary.c).
void ct__cpu_pow_scalar_i32(char **data, const int64_t *strides, int64_t n, void *ctx);
void ct__cpu_pow_scalar_i64(char **data, const int64_t *strides, int64_t n, void *ctx);

/// The math functions of SLEEF's u10 accuracy that PyTorch's AVX2 kernels call, one
/// element at a time (bit-identical to the 8-lane versions), or libm without SLEEF.
float ct__cpu_expf(float x);
double ct__cpu_exp(double x);
float ct__cpu_logf(float x);
double ct__cpu_log(double x);
float ct__cpu_sinf(float x);
double ct__cpu_sin(double x);
float ct__cpu_cosf(float x);
double ct__cpu_cos(double x);
float ct__cpu_powf(float x, float y);
double ct__cpu_pow(double x, double y);
#endif
