/// @file loss.h
/// @brief Loss functions.
#ifndef CTORCH_LOSS_H
#define CTORCH_LOSS_H
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
