/// @file npy.h
/// @brief Reading and writing NumPy .npy files.
#ifndef CTORCH_NPY_H
#define CTORCH_NPY_H
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
