/// @file index.h
/// @brief Indexing and gathering: index tensors, index_select, gather, scatter_add, masked_fill, embedding, one_hot.
#ifndef CTORCH_INDEX_H
#define CTORCH_INDEX_H
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
