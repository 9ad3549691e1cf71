/// @file data.h
/// @brief Datasets, DataLoader, pad_sequence and a vocabulary helper.
#ifndef CTORCH_DATA_H
#define CTORCH_DATA_H
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
