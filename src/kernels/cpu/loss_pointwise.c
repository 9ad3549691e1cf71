// The CPU's elementwise loss loops (kernels/loss.h): loss_pointwise_tmpl.h once per
// floating dtype. Reduced losses are summed by the CPU's sum kernel (PyTorch's cascade
// order) from a scratch buffer of the per-element losses.
#include "kernels/cpu/reduce_impl.h"
#include "kernels/loss.h"
#include "kernels/loss_elems.h"
#include <math.h>
#include <stdlib.h>

// Reduced losses of up to this many bytes of per-element losses use a stack buffer.
#define STACK_BYTES 4096

#define INLINE static inline __attribute__((always_inline))

typedef ct_loss_status (*losses_fn)(const ct_pointwise_args *a, void *out);

// The per-element losses, then (reduced losses) their sum into out[0] by the sum
// kernel, / n for 'mean' (PyTorch: sum, then a true division by numel).
static ct_loss_status forward_reduced(losses_fn losses, ct_dtype dtype, const ct_pointwise_args *a,
                                      ct_loss_reduction reduction, void *out) {
  if (reduction == CT_LOSS_REDUCE_NONE) return losses(a, out);
  size_t bytes = (size_t)a->n * ct_elem_size(dtype);
  _Alignas(64) char stack[STACK_BYTES];
  char *buf = bytes <= STACK_BYTES ? stack : malloc(bytes);
  if (!buf) return CT_LOSS_NO_MEMORY;
  ct_loss_status st = losses(a, buf);
  if (st == CT_LOSS_OK) {
    ct_reduce_ctx c = ct__reduce_ctx_run(a->n, (int64_t)ct_elem_size(dtype), 0, 0);
    char *data[2] = {out, buf};
    int64_t strides[2] = {0, 0};
    ct__cpu_sum_loops[dtype](data, strides, 1, &c);
    if (reduction == CT_LOSS_REDUCE_MEAN) {
      if (dtype == CT_FLOAT32)
        *(float *)out /= (float)a->n;
      else
        *(double *)out /= (double)a->n;
    }
  }
  if (buf != stack) free(buf);
  return st;
}

#define T float
#define SFX f32
#define DTYPE CT_FLOAT32
#include "kernels/cpu/loss_pointwise_tmpl.h"
#define T double
#define SFX f64
#define DTYPE CT_FLOAT64
#include "kernels/cpu/loss_pointwise_tmpl.h"

#define LOOPS(kind, sfx)                                                                                     \
  { kind##_forward_##sfx, kind##_input_grad_##sfx, kind##_target_grad_##sfx }
#define FLOAT_ROW(kind)                                                                                      \
  { [CT_FLOAT32] = LOOPS(kind, f32), [CT_FLOAT64] = LOOPS(kind, f64) }
const ct_pointwise_loss_loops ct__cpu_pointwise_loss_loops[CT_POINTWISE_LOSS_COUNT][CT_NUM_DTYPES] = {
    [CT_LOSS_BCE] = FLOAT_ROW(bce),
    [CT_LOSS_BCE_LOGITS] = FLOAT_ROW(bce_logits),
    [CT_LOSS_MSE] = FLOAT_ROW(mse),
    [CT_LOSS_L1] = FLOAT_ROW(l1),
    [CT_LOSS_SMOOTH_L1] = FLOAT_ROW(smooth_l1),
    [CT_LOSS_HUBER] = FLOAT_ROW(huber),
};
