/// @file ctorch.h
/// @brief Umbrella header: PyTorch's core in C. Include this one header.
#ifndef CTORCH_H
#define CTORCH_H
#include "ctorch/version.h"
#include "ctorch/export.h"
#include "ctorch/error.h"
#include "ctorch/dtype.h"
#include "ctorch/tensor.h"
#include "ctorch/device.h"
#include "ctorch/scope.h"
#include "ctorch/creation.h"
#include "ctorch/view.h"
#include "ctorch/print.h"
#include "ctorch/autograd.h"
#include "ctorch/ops.h"
#include "ctorch/reduce.h"
#include "ctorch/sort.h"
#include "ctorch/linalg.h"
#include "ctorch/conv.h"
#include "ctorch/index.h"
#include "ctorch/random.h"
#include "ctorch/npy.h"
#include "ctorch/serialize.h"
#include "ctorch/safetensors.h"
#include "ctorch/nn.h"
#include "ctorch/nn_extra.h"
#include "ctorch/norm.h"
#include "ctorch/rnn.h"
#include "ctorch/init.h"
#include "ctorch/loss.h"
#include "ctorch/optim.h"
#include "ctorch/lr_scheduler.h"
#include "ctorch/data.h"
#include "ctorch/sampler.h"
#include "ctorch/threads.h"
#include "ctorch/shape_ops.h"
#include "ctorch/scatter.h"
#include "ctorch/sampling.h"
#include "ctorch/tensorboard.h"
#include "ctorch/attention.h"
#include "ctorch/distributed.h"

#ifdef __cplusplus
extern "C" {
#endif
/// Library version string, e.g. "0.1.0".
CT_API const char *ct_version(void);
#ifdef __cplusplus
}
#endif
#endif
