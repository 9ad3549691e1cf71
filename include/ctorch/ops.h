/// @file ops.h
/// @brief Elementwise math with broadcasting and type promotion (add, mul, exp, ...).
#ifndef CTORCH_OPS_H
#define CTORCH_OPS_H
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
