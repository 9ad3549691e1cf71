// Elementwise plumbing: operand conversion, kernel runs, in-place checks, recording.
#include <math.h>
#include <string.h>
#include "core/copy.h"
#include "core/device.h"
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "core/operand.h"
#include "core/layout.h"
#include "core/pool.h"
#include "ops/elementwise_internal.h"
#include "ops/sum_to.h"
#include "ops/view_internal.h"

#define MAX_ARGS (CT_ITER_MAX_OPS - 1)

static const ct_ew_params no_params;

// The kernel's view of an op: descriptors for the output (ops[0]) and each input, the
// input converted to the compute dtype when needed, either into a temporary copy (temps)
// or, for a C scalar or a 0-d tensor, into a host value (values) the descriptor points to.
typedef struct ew_operands {
  ct_operand ops[CT_ITER_MAX_OPS];
  ct_tensor *temps[MAX_ARGS];
  ct__element values[MAX_ARGS];
} ew_operands;

// What ops pick loops from on a device without a backend: every loop NULL, so an op can
// choose its loop before ct__ew_apply checks the devices and reports the missing backend.
#define MAX2(a, b) ((int)(a) > (int)(b) ? (int)(a) : (int)(b))
enum {
  NO_LOOP_ROWS = MAX2(MAX2(MAX2(CT_EW_BINARY_COUNT, CT_EW_COMPARE_COUNT), MAX2(CT_EW_UNARY_COUNT, CT_EW_MATH_COUNT)),
                      MAX2(CT_EW_GRAD_COUNT, CT_EW_GRAD2_COUNT))
};
static const ct_loop_fn no_loops[NO_LOOP_ROWS][CT_NUM_DTYPES];
static const ct_elementwise_kernels no_kernels = {
    .binary = no_loops, .compare = no_loops, .unary = no_loops, .math = no_loops, .grad = no_loops,
    .grad2 = no_loops, .where = no_loops[0], .logical_not = no_loops[0], .any_zero = no_loops[0]};

const ct_elementwise_kernels *ct__ew_kernels(const ct_tensor *t) {
  const ct_kernel_table *k = ct__kernels(t->storage->device);
  return k ? k->elementwise : &no_kernels;
}

static int64_t saturate(double v, int64_t lo, int64_t hi) {
  if (isnan(v)) return 0;
  if (v <= (double)lo) return lo;
  if (v >= (double)hi) return hi;
  return (int64_t)v;
}

ct_ew_params ct__ew_params(ct_dtype dtype, double p0, double p1) {
  ct_ew_params p;
  memset(&p, 0, sizeof p);
  double v[2] = {p0, p1};
  int64_t lo = dtype == CT_INT32 ? INT32_MIN : dtype == CT_BOOL ? 0 : INT64_MIN;
  int64_t hi = dtype == CT_INT32 ? INT32_MAX : dtype == CT_BOOL ? 1 : INT64_MAX;
  for (int k = 0; k < 2; k++) {
    p.f64[k] = v[k];
    p.f32[k] = (float)v[k];
    p.i64[k] = dtype == CT_BOOL ? v[k] != 0 : saturate(v[k], lo, hi);
  }
  return p;
}

static void input_from_double(ew_operands *e, int i, double s, ct_dtype dtype) {
  ct__element *v = &e->values[i];
  e->temps[i] = NULL;
  ct_operand_set_host_scalar(&e->ops[i + 1], v, dtype);
  switch (dtype) {
  case CT_BOOL: v->b = s != 0; break;
  case CT_INT32: v->i32 = (int32_t)saturate(s, INT32_MIN, INT32_MAX); break;
  case CT_INT64: v->i64 = saturate(s, INT64_MIN, INT64_MAX); break;
  case CT_FLOAT32: v->f32 = (float)s; break;
  default: v->f64 = s; break;
  }
}

// ---- memory overlap (PyTorch's TensorIterator checks for in-place outputs) ----

static bool same_layout(const ct_tensor *a, const ct_tensor *b) {
  return a->offset == b->offset && a->ndim == b->ndim &&
         !memcmp(a->strides, b->strides, (size_t)a->ndim * sizeof(int64_t)) &&
         !memcmp(a->shape, b->shape, (size_t)a->ndim * sizeof(int64_t));
}

static ct_status check_output_overlap(const ct_tensor *dst) {
  for (int d = 0; d < dst->ndim; d++)
    if (dst->strides[d] == 0 && dst->shape[d] > 1)
      return ct__error(CT_ERR_RUNTIME, "unsupported operation: more than one element of the written-to tensor "
                                       "refers to a single memory location. Please clone() the tensor before "
                                       "performing the operation.");
  return CT_OK;
}

// An input sharing memory with the in-place output in another layout: an error when both
// are dense (PyTorch's partial overlap), else it is copied first so no element is read
// after it was overwritten.
static ct_status check_input_overlap(const ct_tensor *t, const ct_tensor *dst, bool *copy) {
  *copy = false;
  if (!dst || t == dst || t->storage != dst->storage || same_layout(t, dst)) return CT_OK;
  if (ct__dense_layout(t) && ct__dense_layout(dst)) {
    int64_t ta = t->offset, tb = ta + ct__numel_of(t->ndim, t->shape);
    int64_t da = dst->offset, db = da + ct__numel_of(dst->ndim, dst->shape);
    if (ta < db && da < tb)
      return ct__error(CT_ERR_RUNTIME, "unsupported operation: some elements of the input tensor and the "
                                       "written-to tensor refer to a single memory location. Please clone() the "
                                       "tensor before performing the operation.");
    return CT_OK;
  }
  *copy = true;
  return CT_OK;
}

// Input i is t in `dtype`. `dst`: the in-place output (see check_input_overlap).
static ct_status input_from_tensor(ew_operands *e, int i, const ct_tensor *t, ct_dtype dtype, const ct_tensor *dst) {
  e->temps[i] = NULL;
  bool overlaps;
  ct_status st = check_input_overlap(t, dst, &overlaps);
  if (st != CT_OK) return st;
  ct_operand *op = &e->ops[i + 1];
  if (t->dtype == dtype && !overlaps) {
    ct__operand_set(op, t);
    return CT_OK;
  }
  if (t->ndim == 0) { // one element: convert it into a host value with the cast kernel
    ct_operand_set_host_scalar(op, &e->values[i], dtype);
    char *ptrs[2] = {op->data, ct__data(t)};
    int64_t strides[2] = {0, 0};
    ct__kernels(t->storage->device)->copy->cast[dtype][t->dtype](ptrs, strides, 1, NULL);
    return CT_OK;
  }
  ct_tensor *temp = e->temps[i] = ct__copy_as(t, dtype);
  if (!temp) return ct_last_status();
  ct__operand_set(op, temp);
  return CT_OK;
}

ct_status ct__ew_broadcast(int n_args, const ct__ew_arg *args, int *ndim, int64_t *shape) {
  *ndim = 0;
  for (int i = 0; i < n_args; i++) {
    const ct_tensor *t = args[i].t;
    if (!t) continue;
    int64_t so_far[CT_MAX_DIMS];
    memcpy(so_far, shape, (size_t)*ndim * sizeof *shape);
    ct_status st = ct__broadcast_shapes(*ndim, so_far, t->ndim, t->shape, ndim, shape);
    if (st != CT_OK) return st;
  }
  return CT_OK;
}

static ct_status check_output_shape(const ct_tensor *dst, int nd, const int64_t *shape) {
  if (nd == dst->ndim && !memcmp(shape, dst->shape, (size_t)nd * sizeof(int64_t))) return CT_OK;
  char a[256], b[256];
  ct__shape_to_str(dst->ndim, dst->shape, a, sizeof a);
  ct__shape_to_str(nd, shape, b, sizeof b);
  return ct__error(CT_ERR_ARG, "output with shape %s doesn't match the broadcast shape %s", a, b);
}

// Runs loop with `out` as operand 0 over the n prepared inputs.
static void run(ct_loop_fn loop, ct_tensor *out, int n, ew_operands *e, const ct_ew_params *params) {
  ct__operand_set(&e->ops[0], out);
  ct_iter it;
  ct__iter_build(&it, n + 1, e->ops);
  ct__iter_run(&it, loop, (void *)params, true);
}

// PyTorch's device rule for the op's tensors (dst is the output).
static ct_status check_devices(int n_args, const ct__ew_arg *args, const ct_tensor *dst) {
  const ct_tensor *inputs[MAX_ARGS];
  for (int i = 0; i < n_args; i++) inputs[i] = args[i].t;
  // Binary and comparison ops accept a 0-d CPU tensor beside tensors of another device.
  return ct__check_same_device(dst, n_args, inputs, n_args == 2);
}

ct_tensor *ct__ew_apply(ct_loop_fn loop, int n_args, const ct__ew_arg *args, ct_dtype compute,
                        ct_dtype out_dtype, const ct_ew_params *params, ct_tensor *dst) {
  if (check_devices(n_args, args, dst) != CT_OK) return NULL;
  if (!loop) return ct__ew_not_implemented("elementwise", compute);
  int nd;
  int64_t shape[CT_MAX_DIMS];
  ct_status st = ct__ew_broadcast(n_args, args, &nd, shape);
  if (st == CT_OK && dst) st = check_output_shape(dst, nd, shape);
  if (st == CT_OK && dst) st = check_output_overlap(dst);
  if (st != CT_OK) return NULL;

  ew_operands e;
  int ready = 0;
  for (; ready < n_args && st == CT_OK; ready++) {
    const ct_tensor *t = args[ready].t;
    if (t) st = input_from_tensor(&e, ready, t, args[ready].mask ? t->dtype : compute, dst);
    else input_from_double(&e, ready, args[ready].s, compute);
  }
  ct_tensor *result = NULL;
  if (!params) params = &no_params;
  if (st == CT_OK && dst && dst->dtype == out_dtype) {
    run(loop, dst, n_args, &e, params);
    result = dst;
  } else if (st == CT_OK) { // a new tensor, or a temporary converted into dst
    ct_tensor *out = ct__alloc(out_dtype, nd, shape);
    if (out) run(loop, out, n_args, &e, params);
    st = !out ? ct_last_status() : dst ? ct__copy_into(dst, out) : CT_OK;
    if (st == CT_OK) result = dst ? dst : out;
    if (out && result != out) ct__drop(out);
  }
  // Release temps newest first (they sit at the top of the scope).
  for (int i = ready; i-- > 0;) ct__drop(e.temps[i]);
  if (result && dst) ct__bump_version(dst);
  return result;
}

void *ct__ew_not_implemented(const char *kernel, ct_dtype dtype) {
  return ct__error_null(CT_ERR_RUNTIME, "\"%s\" not implemented for '%s'", kernel,
                        ct__scalar_type_name(dtype));
}

ct_tensor *ct__ew_compute(ct_loop_fn loop, int n_args, const ct__ew_arg *args, ct_dtype compute,
                          ct_dtype out_dtype, const ct_ew_params *params, ct_tensor *dst,
                          const ct__ew_grad *grad) {
  return ct__ew_compute_node(loop, n_args, args, compute, out_dtype, params, dst, grad, NULL);
}

ct_tensor *ct__ew_compute_node(ct_loop_fn loop, int n_args, const ct__ew_arg *args, ct_dtype compute,
                               ct_dtype out_dtype, const ct_ew_params *params, ct_tensor *dst,
                               const ct__ew_grad *grad, ct_node **node_out) {
  if (node_out) *node_out = NULL;
  if (!grad || !ct__needs_grad(grad->n_inputs, grad->inputs))
    return ct__ew_apply(loop, n_args, args, compute, out_dtype, params, dst);
  ct_tensor *saved[3] = {NULL, NULL, NULL}, *copies[3] = {NULL, NULL, NULL};
  ct_status st = CT_OK;
  for (int i = 0; i < grad->n_saved && st == CT_OK; i++) {
    ct_tensor *t = grad->saved[i];
    if (t && dst && t->storage == dst->storage) {
      ct_tensor *original = t;
      t = copies[i] = ct__ew_snapshot(t);
      if (!t) st = ct_last_status();
      // torch's original_self: the copy carries the input's history before the write, so
      // that a create_graph backward differentiates through it (ct__saved).
      else if (original->requires_grad && !(t->grad_fn = ct__grad_edge(original, 0))) st = ct_last_status();
      else t->requires_grad = original->requires_grad;
    }
    saved[i] = t;
  }
  ct_tensor *out = st == CT_OK ? ct__ew_apply(loop, n_args, args, compute, out_dtype, params, dst) : NULL;
  // A saved result is dst itself, as in torch: its version counter (bumped by the write)
  // makes backward fail if it is modified again.
  if (out && grad->result_slot >= 0) saved[grad->result_slot] = out;
  ct_node *node = NULL;
  if (out && st == CT_OK)
    st = ct__record(out, grad->name, grad->backward, grad->n_inputs, grad->inputs, grad->n_saved, saved, &node);
  for (int i = 3; i-- > 0;) ct__drop(copies[i]);
  if (out && st != CT_OK) {
    if (out != dst) ct__drop(out);
    out = NULL;
  }
  if (out && node_out) *node_out = node;
  return out;
}

ct_dtype ct__ew_result_type(int n_args, const ct__ew_arg *args) {
  ct__promotion p = CT__PROMOTION_INIT;
  for (int i = 0; i < n_args; i++) {
    if (args[i].mask) continue;
    if (args[i].t) ct__promotion_add_tensor(&p, args[i].t);
    else ct__promotion_add_scalar(&p, args[i].s, args[i].python_float);
  }
  return ct__promotion_result(&p);
}

ct_tensor *ct__ew_grad_for(const ct_node *node, int i, const ct_loop_fn *loops, int n_args, const ct__ew_arg *args,
                           double p0, double p1) {
  ct_dtype dt = ct__ew_result_type(n_args, args);
  ct_ew_params params = ct__ew_params(dt, p0, p1);
  ct_tensor *g = ct__ew_apply(loops[dt], n_args, args, dt, dt, &params, NULL);
  return g ? ct__grad_for_input(node, i, g) : NULL;
}

ct_status ct__ew_check_inplace(const ct_tensor *self, ct_dtype result) {
  ct_status st = ct__check_inplace(self);
  if (st != CT_OK) return st;
  if (!ct__can_cast(result, self->dtype))
    return ct__error(CT_ERR_RUNTIME, "result type %s can't be cast to the desired output type %s",
                     ct__scalar_type_name(result), ct__scalar_type_name(self->dtype));
  return CT_OK;
}

ct_tensor *ct__ew_snapshot(const ct_tensor *t) { return t ? ct__copy_as(t, t->dtype) : NULL; }

bool ct__ew_any_zero(const ct_tensor *t) {
  bool found = false;
  ct_iter it;
  ct_operand op;
  ct__operand_set(&op, t);
  ct__iter_build(&it, 1, &op);
  ct__iter_run(&it, ct__ew_kernels(t)->any_zero[t->dtype], &found, false);
  return found;
}
