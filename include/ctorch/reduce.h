/// @file reduce.h
/// @brief Reductions (sum, mean, std, max ...), softmax and log_softmax.
#ifndef CTORCH_REDUCE_H
#define CTORCH_REDUCE_H
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
