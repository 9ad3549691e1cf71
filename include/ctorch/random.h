/// @file random.h
/// @brief PyTorch-identical random numbers: generators, manual_seed, rand, randn, randint, randperm.
#ifndef CTORCH_RANDOM_H
#define CTORCH_RANDOM_H
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
