// The CPU attention kernels (kernels/attention.h), float32. Products go through the CPU
// bmm (the plain loop or the small-product kernel, whose results do not depend on the
// operands' strides: `fits` admits only such sizes) and rows through the CPU softmax
// loops, so every value has the bits the composed ops give.
//
// A batch item's heads lie side by side in rows that are the whole batch apart
// (PyTorch's [len, batch, E] layout), often a multiple of 4 KiB: read head by head, those
// rows defeat the prefetchers and crowd a few cache sets. So each batch item's rows are
// first gathered, all heads at once, into row-major blocks ([len, heads * dim]), the
// heads are computed from and into blocks, and result blocks are written back row by row.
#include "kernels/attention.h"
#include "kernels/cpu/blas_internal.h"
#include "kernels/cpu/reduce_impl.h"
#include <stdlib.h>
#include <string.h>

// The largest tgt, src or head size `fits` admits (the products decide; this only keeps
// their size arithmetic bounded).
#define MAX_DIM 4096

// Batch item b of a 4-D float32 operand [B, H, len, dim]: its first element and the
// element strides of len, heads and dim.
typedef struct item_view {
  float *p;
  int64_t len_stride, head_stride, dim_stride;
} item_view;

static item_view item_of(const ct_operand *op, int64_t b) {
  const int64_t es = (int64_t)sizeof(float);
  return (item_view){(float *)(void *)(op->data + b * op->strides[0]), op->strides[2] / es,
                     op->strides[1] / es, op->strides[3] / es};
}

// Whether a row of x (all heads of one position) is `width` contiguous elements.
static bool rows_dense(item_view x, int64_t dim) { return x.dim_stride == 1 && x.head_stride == dim; }

// block (len × heads*dim, row-major) = x, or x / *scale (the division of PyTorch's
// `q / math.sqrt(E)`) when scale is not NULL.
static void gather(item_view x, int64_t len, int64_t heads, int64_t dim, const float *scale, float *block) {
  const int64_t width = heads * dim;
  for (int64_t t = 0; t < len; t++) {
    float *dst = block + t * width;
    const float *row = x.p + t * x.len_stride;
    if (rows_dense(x, dim) && !scale) {
      memcpy(dst, row, (size_t)width * sizeof(float));
    } else if (rows_dense(x, dim)) {
      for (int64_t j = 0; j < width; j++)
        dst[j] = row[j] / *scale;
    } else {
      for (int64_t h = 0; h < heads; h++)
        for (int64_t d = 0; d < dim; d++) {
          const float v = row[h * x.head_stride + d * x.dim_stride];
          dst[h * dim + d] = scale ? v / *scale : v;
        }
    }
  }
}

// x = block (len × heads*dim, row-major).
static void scatter(const float *block, int64_t len, int64_t heads, int64_t dim, item_view x) {
  const int64_t width = heads * dim;
  for (int64_t t = 0; t < len; t++) {
    const float *src = block + t * width;
    float *row = x.p + t * x.len_stride;
    if (rows_dense(x, dim)) {
      memcpy(row, src, (size_t)width * sizeof(float));
      continue;
    }
    for (int64_t h = 0; h < heads; h++)
      for (int64_t d = 0; d < dim; d++)
        row[h * x.head_stride + d * x.dim_stride] = src[h * dim + d];
  }
}

// C (m×n) = A (m×k) B (k×n), as torch.bmm computes one product.
static void product(int64_t m, int64_t n, int64_t k, const float *a, int64_t a_rs, int64_t a_cs,
                    const float *b, int64_t b_rs, int64_t b_cs, float *c, int64_t c_rs, int64_t c_cs) {
  const ct_gemm_args g = {.batch = 1,
                          .m = m,
                          .n = n,
                          .k = k,
                          .a = a,
                          .a_rs = a_rs,
                          .a_cs = a_cs,
                          .b = b,
                          .b_rs = b_rs,
                          .b_cs = b_cs,
                          .c = c,
                          .c_rs = c_rs,
                          .c_cs = c_cs,
                          .alpha = 1,
                          .beta = 0};
  ct__cpu_blas_kernels.bmm[CT_FLOAT32](&g);
}

static bool fits(ct_dtype dtype, int64_t tgt, int64_t src, int64_t e, int64_t ev) {
  if (dtype != CT_FLOAT32 || tgt < 1 || src < 1 || e < 1 || ev < 1 || tgt > MAX_DIM || src > MAX_DIM ||
      e > MAX_DIM || ev > MAX_DIM)
    return false;
  // the six products of forward and backward, as (m, n, k)
  const int64_t sizes[6][3] = {{tgt, src, e},  {tgt, ev, src}, {tgt, src, ev},
                               {src, ev, tgt}, {tgt, e, src},  {src, e, tgt}};
  for (int i = 0; i < 6; i++)
    if (!ct__cpu_bmm_f32_layout_free(sizes[i][0], sizes[i][1], sizes[i][2])) return false;
  return true;
}

typedef struct dims {
  int64_t B, H, T, S, E, Ev;
} dims;

static dims dims_of(const ct_attention_args *a) {
  return (dims){a->q.shape[0], a->q.shape[1], a->q.shape[2], a->k.shape[2], a->q.shape[3], a->v.shape[3]};
}

static bool forward_f32(const ct_attention_args *a) {
  const dims n = dims_of(a);
  const int64_t T = n.T, S = n.S, E = n.E, Ev = n.Ev, HE = n.H * E, HEv = n.H * Ev;
  float *work = malloc(sizeof(float) * (size_t)(T * HE + S * HE + S * HEv + T * HEv + T * S));
  if (!work) return false;
  float *qs = work, *kb = qs + T * HE, *vb = kb + S * HE, *ob = vb + S * HEv, *scores = ob + T * HEv;
  const float scale = (float)a->scale;
  float *weights = (float *)(void *)a->weights.data;
  for (int64_t b = 0; b < n.B; b++) {
    gather(item_of(&a->q, b), T, n.H, E, &scale, qs);
    gather(item_of(&a->k, b), S, n.H, E, NULL, kb);
    gather(item_of(&a->v, b), S, n.H, Ev, NULL, vb);
    const item_view mask = a->mask.ndim ? item_of(&a->mask, b) : (item_view){0};
    for (int64_t h = 0; h < n.H; h++, weights += T * S) {
      product(T, S, E, qs + h * E, HE, 1, kb + h * E, 1, HE, scores, S, 1); // qs kᵀ
      const float *m = mask.p + h * mask.head_stride;
      for (int64_t i = 0; mask.p && i < T; i++)
        for (int64_t j = 0; j < S; j++)
          scores[i * S + j] =
              m[i * mask.len_stride + j * mask.dim_stride] + scores[i * S + j]; // add(mask, s)
      ct__cpu_softmax_loops[CT_FLOAT32]((char *)weights, (const char *)scores, T, S, 1);
      product(T, Ev, S, weights, S, 1, vb + h * Ev, HEv, 1, ob + h * Ev, HEv, 1); // w v
    }
    scatter(ob, T, n.H, Ev, item_of(&a->out, b));
  }
  free(work);
  return true;
}

static bool backward_f32(const ct_attention_args *a) {
  const dims n = dims_of(a);
  const int64_t T = n.T, S = n.S, E = n.E, Ev = n.Ev, HE = n.H * E, HEv = n.H * Ev;
  float *work = malloc(sizeof(float) * (size_t)(2 * T * HE + 2 * S * HE + T * HEv + 2 * S * HEv + 2 * T * S));
  if (!work) return false;
  float *gb = work, *qs = gb + T * HEv, *kb = qs + T * HE, *vb = kb + S * HE; // inputs
  float *dq = vb + S * HEv, *dk = dq + T * HE, *dv = dk + S * HE;             // results
  float *dw = dv + S * HEv, *ds = dw + T * S;                                 // one head's
  const float scale = (float)a->scale;
  const float *weights = (const float *)(const void *)a->weights.data;
  for (int64_t b = 0; b < n.B; b++) {
    gather(item_of(&a->grad_out, b), T, n.H, Ev, NULL, gb);
    gather(item_of(&a->q, b), T, n.H, E, &scale, qs);
    gather(item_of(&a->k, b), S, n.H, E, NULL, kb);
    gather(item_of(&a->v, b), S, n.H, Ev, NULL, vb);
    for (int64_t h = 0; h < n.H; h++, weights += T * S) {
      const float *g = gb + h * Ev;
      // BmmBackward0 of out = w v: dw = dout vᵀ, dv = wᵀ dout
      product(T, S, Ev, g, HEv, 1, vb + h * Ev, 1, HEv, dw, S, 1);
      product(S, Ev, T, weights, 1, S, g, HEv, 1, dv + h * Ev, HEv, 1);
      ct__cpu_softmax_backward_loops[CT_FLOAT32]((char *)ds, (const char *)dw, (const char *)weights, T, S,
                                                 1);
      // BmmBackward0 of scores = qs kᵀ: dqs = ds k and dkᵀ = qsᵀ ds, here as dk = dsᵀ qs
      // (each element the same chain of products over tgt, their factors swapped)
      product(T, E, S, ds, S, 1, kb + h * E, HE, 1, dq + h * E, HE, 1);
      product(S, E, T, ds, 1, S, qs + h * E, HE, 1, dk + h * E, HE, 1);
    }
    for (int64_t i = 0; i < T * HE; i++) // DivBackward0: dq = dqs / scale
      dq[i] = dq[i] / scale;
    scatter(dq, T, n.H, E, item_of(&a->grad_q, b));
    scatter(dk, S, n.H, E, item_of(&a->grad_k, b));
    scatter(dv, S, n.H, Ev, item_of(&a->grad_v, b));
  }
  free(work);
  return true;
}

const ct_attention_kernels ct__cpu_attention_kernels = {
    .fits = fits,
    .forward = {[CT_FLOAT32] = forward_f32},
    .backward = {[CT_FLOAT32] = backward_f32},
};
