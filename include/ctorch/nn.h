/// @file nn.h
/// @brief Neural-network modules: the module system and layers.
#ifndef CTORCH_NN_H
#define CTORCH_NN_H
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
