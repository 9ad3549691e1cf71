// Reduction planning (output shape, kept view, reduced runs) and the runner that hands
// outputs to the kernels, in parallel chunks when the work is large.
#include <string.h>
#include "core/error_impl.h"
#include "core/operand.h"
#include "core/pool.h"
#include "kernels/parallel.h"
#include "ctorch/view.h"
#include "ops/reduce_plan.h"
#ifdef _OPENMP
#include <omp.h>
#endif

uint32_t ct__reduce_mask_all(const ct_tensor *t) { return t->ndim ? (1u << t->ndim) - 1 : 0; }

ct_status ct__reduce_mask(const ct_tensor *t, const int *dims, int ndims, uint32_t *mask) {
  *mask = 0;
  if (ndims < 0) return ct__error(CT_ERR_ARG, "the number of dims is negative (%d)", ndims);
  if (ndims > 0 && !dims) return ct__error(CT_ERR_ARG, "dims is NULL but %d dims were given", ndims);
  if (ndims == 0) { // torch: an empty dim list reduces every dim
    *mask = ct__reduce_mask_all(t);
    return CT_OK;
  }
  uint32_t seen = 0;
  for (int i = 0; i < ndims; i++) {
    int d = ct__wrap_dim(dims[i], t->ndim, false);
    if (d < 0) return ct_last_status();
    if (seen & (1u << d)) return ct__error(CT_ERR_ARG, "dim %d appears multiple times in the list of dims", d);
    seen |= 1u << d;
  }
  *mask = t->ndim ? seen : 0; // a 0-d tensor accepts dim 0/-1 but has nothing to reduce
  return CT_OK;
}

void ct__reduce_plan_init(ct__reduce_plan *p, const ct_tensor *in, uint32_t mask, bool keepdim) {
  ct__zero(p, sizeof *p); // not memset, which compilers make `rep stos` at this size (see ct__zero)
  p->src = in;
  p->mask = mask;
  p->keepdim = keepdim;
  p->red_numel = p->out_numel = 1;
  int o = 0, nred = 0, red[CT_MAX_DIMS];
  for (int d = 0; d < in->ndim; d++) {
    if (mask & (1u << d)) {
      p->red_numel *= in->shape[d];
      if (in->shape[d] != 1) red[nred++] = d;
      if (!keepdim) continue;
      p->out_shape[o] = 1;
      p->kept_strides[o++] = 0;
    } else {
      p->out_shape[o] = in->shape[d];
      p->kept_strides[o++] = in->strides[d];
      p->out_numel *= in->shape[d];
    }
  }
  p->out_ndim = o;
  p->ctx.len = p->red_numel == 0 ? 0 : 1;
  if (p->red_numel <= 1 || nred == 0) return;
  // Order the reduced dims innermost first as TensorIterator's insertion sort does:
  // by increasing stride; stride-0 dims compare as "ambiguous", which lets a dim keep
  // moving past them; equal strides put the smaller size inside.
  int order[CT_MAX_DIMS]; // innermost first
  for (int i = 0; i < nred; i++) order[i] = red[nred - 1 - i];
  for (int i = 1; i < nred; i++) {
    int pos = i;
    for (int j = i - 1; j >= 0; j--) {
      int64_t s0 = in->strides[order[j]], s1 = in->strides[order[pos]];
      int cmp = (s0 == 0 || s1 == 0) ? 0 : s0 < s1 ? -1 : s0 > s1 ? 1 : in->shape[order[j]] > in->shape[order[pos]];
      if (cmp < 0) break;
      if (cmp > 0) {
        int tmp = order[j];
        order[j] = order[pos];
        order[pos] = tmp;
        pos = j;
      }
    }
  }
  int64_t shape[CT_MAX_DIMS], stride[CT_MAX_DIMS]; // innermost first
  int m = 0;
  for (int i = 0; i < nred; i++) {
    int d = order[i];
    if (m > 0 && in->strides[d] == stride[m - 1] * shape[m - 1]) {
      shape[m - 1] *= in->shape[d];
    } else {
      shape[m] = in->shape[d];
      stride[m++] = in->strides[d];
    }
  }
  int64_t es = (int64_t)ct_dtype_size(in->dtype);
  p->ctx.len = shape[0];
  p->ctx.stride = stride[0] * es;
  p->ctx.nouter = m - 1;
  for (int j = 0; j < m - 1; j++) {
    p->ctx.outer_shape[j] = shape[m - 1 - j];
    p->ctx.outer_stride[j] = stride[m - 1 - j] * es;
  }
}

ct_tensor *ct__reduce_alloc(const ct__reduce_plan *p, ct_dtype dtype) {
  return ct__alloc(dtype, p->out_ndim, p->out_shape);
}

// Strides of the kept view of t (the input or a tensor of the input's shape).
static void kept_strides(const ct__reduce_plan *p, const ct_tensor *t, int64_t *strides) {
  if (t == p->src) {
    memcpy(strides, p->kept_strides, (size_t)p->out_ndim * sizeof *strides);
    return;
  }
  int o = 0;
  for (int d = 0; d < t->ndim; d++) {
    if (!(p->mask & (1u << d))) strides[o++] = t->strides[d];
    else if (p->keepdim) strides[o++] = 0;
  }
}

ct_tensor *ct__reduce_kept_view(const ct__reduce_plan *p, const ct_tensor *t) {
  int64_t strides[CT_MAX_DIMS];
  kept_strides(p, t, strides);
  return ct__make_view(t, p->out_ndim, p->out_shape, strides, t->offset);
}

// Runs the iteration over outputs. Large work is split across threads along the
// outermost iterated dim, or, when the outputs form one run, at multiples of 64 outputs
// so the kernels' lane blocks (and so every output's rounding) match a serial run.
static void run_outputs(const ct_iter *it, ct_loop_fn loop, const ct_reduce_ctx *ctx, int64_t per_output) {
  (void)per_output; // read only with OpenMP
  if (it->numel == 0) return;
#ifdef _OPENMP
  const int64_t work = it->numel * (per_output > 1 ? per_output : 1);
  const bool large = work >= 2 * CT_PARALLEL_GRAIN && it->ndim >= 1 && !omp_in_parallel();
  const int threads = large ? ct__parallel_threads() : 1;
  if (threads > 1) {
    int64_t units = it->ndim >= 2 ? it->shape[0] : it->numel / 64, unit = it->ndim >= 2 ? 1 : 64;
    int64_t chunks = units < threads ? units : threads;
    if (chunks >= 2) {
      int64_t inner = it->numel / it->shape[0]; // elements per step of dim 0
#pragma omp parallel for num_threads((int)chunks) schedule(static)
      for (int64_t c = 0; c < chunks; c++) {
        int64_t b = units * c / chunks * unit, e = c == chunks - 1 ? it->shape[0] : units * (c + 1) / chunks * unit;
        ct_iter sub = *it;
        sub.shape[0] = e - b;
        sub.numel = (e - b) * inner;
        for (int k = 0; k < it->nops; k++) sub.data[k] += b * it->strides[k][0];
        ct__iter_run(&sub, loop, (void *)ctx, false);
      }
      return;
    }
  }
#endif
  ct__iter_run(it, loop, (void *)ctx, false);
}

void ct__reduce_launch(const ct__reduce_plan *p, ct_loop_fn loop, int nops, ct_tensor *const *ops, const bool *kept,
                       const ct_reduce_ctx *ctx) {
  // A kept operand walks the output's shape from the first reduced element of each output.
  ct_operand iops[CT_ITER_MAX_OPS];
  for (int i = 0; i < nops; i++) {
    ct__operand_set(&iops[i], ops[i]);
    if (kept && kept[i]) {
      int64_t strides[CT_MAX_DIMS];
      const int64_t es = (int64_t)ct__dtype_size(ops[i]->dtype);
      kept_strides(p, ops[i], strides);
      iops[i].ndim = p->out_ndim;
      for (int d = 0; d < p->out_ndim; d++) {
        iops[i].shape[d] = p->out_shape[d];
        iops[i].strides[d] = strides[d] * es;
      }
    }
  }
  ct_iter it;
  ct__iter_build(&it, nops, iops);
  run_outputs(&it, loop, ctx, p->red_numel);
}

void ct__reduce_elementwise(ct_loop_fn loop, int nops, ct_tensor *const *ops, const ct_reduce_ctx *ctx) {
  static const ct_reduce_ctx no_args;
  if (!ctx) ctx = &no_args;
  ct_operand iops[CT_ITER_MAX_OPS];
  for (int i = 0; i < nops; i++) ct__operand_set(&iops[i], ops[i]);
  ct_iter it;
  ct__iter_build(&it, nops, iops);
  ct__iter_run(&it, loop, (void *)ctx, true);
}

// ct__reduce_expand recorded (create_graph): small reshaped to the keepdim shape, then
// expanded.
CT_CREATE_GRAPH_PATH static ct_tensor *reduce_expand_recorded(ct_tensor *small, int ndim, const int64_t *shape, uint32_t mask) {
  int64_t kept[CT_MAX_DIMS];
  for (int d = 0; d < ndim; d++) kept[d] = mask & (1u << d) ? 1 : shape[d];
  ct_tensor *r = ct_reshape(small, ndim, kept);
  return r ? ct_expand(r, ndim, shape) : NULL;
}

ct_tensor *ct__reduce_expand(ct_tensor *small, int ndim, const int64_t *shape, uint32_t mask, bool keepdim) {
  if (ct__create_graph()) return reduce_expand_recorded(small, ndim, shape, mask);
  int64_t strides[CT_MAX_DIMS];
  int s = 0;
  for (int d = 0; d < ndim; d++) {
    if (mask & (1u << d)) {
      strides[d] = 0;
      if (keepdim) s++;
    } else {
      strides[d] = small->strides[s++];
    }
  }
  if (s != small->ndim) return ct__error_null(CT_ERR_RUNTIME, "internal: reduced gradient has an unexpected shape");
  return ct__make_view(small, ndim, shape, strides, small->offset);
}

ct_tensor *ct__reduce_simple(ct_tensor *in, uint32_t mask, bool keepdim, ct_dtype out_dtype, ct_loop_fn loop,
                             double param, int flags) {
  ct__reduce_plan p;
  ct__reduce_plan_init(&p, in, mask, keepdim);
  ct_tensor *out = ct__reduce_alloc(&p, out_dtype);
  ct_reduce_ctx ctx = p.ctx;
  ctx.param = param;
  ctx.flags = flags;
  ct_tensor *ops[2] = {out, (ct_tensor *)p.src};
  if (out) ct__reduce_launch(&p, loop, 2, ops, (const bool[]){false, true}, &ctx);
  return out;
}

ct_status ct__reduce_record(ct_tensor *out, const char *name, ct_backward_fn backward, ct_tensor *in,
                            const ct__reduce_plan *p, bool dims_given, int n_saved, ct_tensor *const *saved,
                            ct_node **node_out) {
  ct_node *node;
  ct_status st = ct__record(out, name, backward, 1, &in, n_saved, saved, &node);
  if (node)
    *ct__node_args(node, ct__reduce_args) =
        (ct__reduce_args){.mask = p->mask, .keepdim = p->keepdim, .dims_given = dims_given,
                          .red_numel = p->red_numel};
  if (node_out) *node_out = node;
  return st;
}
