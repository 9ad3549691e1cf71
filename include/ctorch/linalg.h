/// @file linalg.h
/// @brief Matrix products: matmul, mm, bmm, mv, dot, outer, addmm, linear.
#ifndef CTORCH_LINALG_H
#define CTORCH_LINALG_H
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
