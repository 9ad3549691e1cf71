/// @file optim.h
/// @brief Optimizers: SGD, Adam, AdamW.
#ifndef CTORCH_OPTIM_H
#define CTORCH_OPTIM_H
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
