/// @file init.h
/// @brief nn.init: parameter initialisation schemes.
#ifndef CTORCH_INIT_H
#define CTORCH_INIT_H
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
