// The in-place fills behind both the public t.uniform_() family and random creation:
// check the arguments (PyTorch's messages and order), then fill. No autograd here.
#ifndef CTORCH_SRC_RANDOM_INPLACE_H
#define CTORCH_SRC_RANDOM_INPLACE_H
#include "core/tensor_impl.h"
#include "ctorch/random.h"

ct_status ct__uniform_fill(ct_tensor *t, double from, double to, ct_generator *gen);
ct_status ct__normal_fill(ct_tensor *t, double mean, double std, ct_generator *gen);
ct_status ct__bernoulli_fill(ct_tensor *t, double p, ct_generator *gen);
ct_status ct__random_fill(ct_tensor *t, int64_t from, int64_t to, ct_generator *gen);
#endif
