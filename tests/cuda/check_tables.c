// CUDA against CPU: which entries of each family's table are filled. Op code reports
// PyTorch's "not implemented" error where an entry is NULL, so a CUDA entry where the CPU
// has none would compute what PyTorch refuses, and a missing one would refuse what it
// computes. Needs no GPU: the tables are plain data built when the library loads.
#include "cuda_harness.h"
#include "kernels/blas.h"
#include "kernels/conv.h"
#include "kernels/elementwise.h"
#include "kernels/index.h"
#include "kernels/loss.h"
#include "kernels/norm.h"
#include "kernels/optim.h"
#include "kernels/pool.h"
#include "kernels/random.h"
#include "kernels/reduce.h"
#include "kernels/rnn.h"
#include "kernels/sort.h"

// Entries the CUDA backend leaves NULL on purpose (docs/DESIGN.md, "CUDA backend"): the
// ops fall back to another family or report that the function is not written yet.
static bool known_missing(const char *family) {
  return strcmp(family, "conv.bias_grad") == 0 || strcmp(family, "rnn.hidden_product") == 0;
}

static void slot(const char *family, int row, int dt, bool on_cpu, bool on_gpu) {
  checks++;
  if (on_cpu == on_gpu || (on_cpu && known_missing(family))) return;
  failures++;
  fprintf(stderr, "FAIL table %s[%d][%s]: the CPU entry is %s, the CUDA one %s\n", family, row,
          dt >= 0 ? dtype_names[dt] : "-", on_cpu ? "set" : "NULL", on_gpu ? "set" : "NULL");
}

// A [dtype] row of function pointers (any type: only NULL-ness is compared).
#define ROW(family, c_row, g_row)                                                      \
  for (int dt = 0; dt < CT_NUM_DTYPES; dt++) slot(family, 0, dt, (c_row)[dt] != NULL, (g_row)[dt] != NULL)
// `count` rows of [dtype] entries.
#define ROWS(family, c_rows, g_rows, count)                                              \
  for (int r = 0; r < (count); r++)                                                      \
    for (int dt = 0; dt < CT_NUM_DTYPES; dt++) slot(family, r, dt, (c_rows)[r][dt] != NULL, (g_rows)[r][dt] != NULL)
#define ONE(family, c_fn, g_fn) slot(family, 0, -1, (c_fn) != NULL, (g_fn) != NULL)

void check_tables(void) {
  ROWS("copy.cast", cpu->copy->cast, gpu->copy->cast, CT_NUM_DTYPES);
  ROW("copy.fill", cpu->copy->fill, gpu->copy->fill);
  ROW("copy.accumulate", cpu->copy->accumulate, gpu->copy->accumulate);

  const ct_elementwise_kernels *ce = cpu->elementwise, *ge = gpu->elementwise;
  ROWS("elementwise.binary", ce->binary, ge->binary, CT_EW_BINARY_COUNT);
  ROWS("elementwise.compare", ce->compare, ge->compare, CT_EW_COMPARE_COUNT);
  ROWS("elementwise.unary", ce->unary, ge->unary, CT_EW_UNARY_COUNT);
  ROWS("elementwise.math", ce->math, ge->math, CT_EW_MATH_COUNT);
  ROWS("elementwise.grad", ce->grad, ge->grad, CT_EW_GRAD_COUNT);
  ROWS("elementwise.grad2", ce->grad2, ge->grad2, CT_EW_GRAD2_COUNT);
  ROW("elementwise.where", ce->where, ge->where);
  ROW("elementwise.logical_not", ce->logical_not, ge->logical_not);
  ROW("elementwise.any_zero", ce->any_zero, ge->any_zero);

  const ct_reduce_kernels *cr = cpu->reduce, *gr = gpu->reduce;
  const ct_loop_fn *const reduce_c[] = {cr->sum,        cr->prod,          cr->max,        cr->min,
                                        cr->argmax,     cr->argmin,        cr->var,        cr->sq_dev_sum,
                                        cr->norm,       cr->select_count,  cr->scatter_index, cr->prod_backward,
                                        cr->div_scalar, cr->exp_sub,       cr->log_add,    cr->var_coef,
                                        cr->sub_mul,    cr->select_grad,   cr->exp_grad,   cr->norm_grad};
  const ct_loop_fn *const reduce_g[] = {gr->sum,        gr->prod,          gr->max,        gr->min,
                                        gr->argmax,     gr->argmin,        gr->var,        gr->sq_dev_sum,
                                        gr->norm,       gr->select_count,  gr->scatter_index, gr->prod_backward,
                                        gr->div_scalar, gr->exp_sub,       gr->log_add,    gr->var_coef,
                                        gr->sub_mul,    gr->select_grad,   gr->exp_grad,   gr->norm_grad};
  ROWS("reduce (members in header order)", reduce_c, reduce_g, (int)(sizeof reduce_c / sizeof *reduce_c));
  ROW("reduce.softmax", cr->softmax, gr->softmax);
  ROW("reduce.log_softmax", cr->log_softmax, gr->log_softmax);
  ROW("reduce.softmax_backward", cr->softmax_backward, gr->softmax_backward);
  ROW("reduce.log_softmax_backward", cr->log_softmax_backward, gr->log_softmax_backward);

  ROW("blas.gemm", cpu->blas->gemm, gpu->blas->gemm);
  ROW("blas.bmm", cpu->blas->bmm, gpu->blas->bmm);
  ROW("blas.gemv", cpu->blas->gemv, gpu->blas->gemv);
  ROW("blas.dot", cpu->blas->dot, gpu->blas->dot);

  const ct_index_kernels *ci = cpu->index, *gi = gpu->index;
  ROW("index.gather", ci->gather, gi->gather);
  ROW("index.scatter_add", ci->scatter_add, gi->scatter_add);
  ROW("index.scatter", ci->scatter, gi->scatter);
  ROW("index.scatter_mul", ci->scatter_mul, gi->scatter_mul);
  ROW("index.scatter_add_rows", ci->scatter_add_rows, gi->scatter_add_rows);
  ROW("index.masked_fill", ci->masked_fill, gi->masked_fill);
  ONE("index.gather_rows", ci->gather_rows, gi->gather_rows);
  ONE("index.scan", ci->scan, gi->scan);
  ONE("index.wrap_negative", ci->wrap_negative, gi->wrap_negative);
  ONE("index.mask_positions", ci->mask_positions, gi->mask_positions);
  ONE("index.repeat_positions", ci->repeat_positions, gi->repeat_positions);

  const ct_optim_kernels *co = cpu->optim, *go = gpu->optim;
  ROW("optim.sgd", co->sgd, go->sgd);
  ROW("optim.adam", co->adam, go->adam);
  ROW("optim.rmsprop", co->rmsprop, go->rmsprop);
  ROW("optim.adagrad", co->adagrad, go->adagrad);
  ROW("optim.adamax", co->adamax, go->adamax);
  ROW("optim.nadam", co->nadam, go->nadam);
  ROW("optim.radam", co->radam, go->radam);

  const ct_loss_kernels *cl = cpu->loss, *gl = gpu->loss;
  for (int kind = 0; kind < CT_POINTWISE_LOSS_COUNT; kind++)
    for (int dt = 0; dt < CT_NUM_DTYPES; dt++) {
      const ct_pointwise_loss_loops *c = &cl->pointwise[kind][dt], *g = &gl->pointwise[kind][dt];
      slot("loss.pointwise.forward", kind, dt, c->forward != NULL, g->forward != NULL);
      slot("loss.pointwise.input_grad", kind, dt, c->input_grad != NULL, g->input_grad != NULL);
      slot("loss.pointwise.target_grad", kind, dt, c->target_grad != NULL, g->target_grad != NULL);
    }
  ROW("loss.nll_forward", cl->nll_forward, gl->nll_forward);
  ROW("loss.nll_backward", cl->nll_backward, gl->nll_backward);

  const ct_random_kernels *cq = cpu->random, *gq = gpu->random;
  ROW("random.uniform", cq->uniform, gq->uniform);
  ROW("random.normal", cq->normal, gq->normal);
  ROW("random.normal_blocks", cq->normal_blocks, gq->normal_blocks);
  ROW("random.bernoulli", cq->bernoulli, gq->bernoulli);
  ROW("random.integers", cq->integers, gq->integers);
  ONE("random.randperm", cq->randperm, gq->randperm);
  ROW("random.exponential", cq->exponential, gq->exponential);
  ROW("random.multinomial", cq->multinomial, gq->multinomial);
  ROW("random.multinomial_pick", cq->multinomial_pick, gq->multinomial_pick);

  const ct_pool_kernels *cp = cpu->pool, *gp = gpu->pool;
  ROW("pool.max", cp->max, gp->max);
  ROW("pool.max_backward", cp->max_backward, gp->max_backward);
  ROW("pool.avg", cp->avg, gp->avg);
  ROW("pool.avg_backward", cp->avg_backward, gp->avg_backward);
  ROW("pool.adaptive_avg", cp->adaptive_avg, gp->adaptive_avg);
  ROW("pool.adaptive_avg_backward", cp->adaptive_avg_backward, gp->adaptive_avg_backward);

  const ct_conv_kernels *cc = cpu->conv, *gc = gpu->conv;
  ONE("conv.workspace", cc->workspace, gc->workspace);
  ROW("conv.forward", cc->forward, gc->forward);
  ROW("conv.transpose", cc->transpose, gc->transpose);
  ROW("conv.weight_grad", cc->weight_grad, gc->weight_grad);
  ROW("conv.bias_grad", cc->bias_grad, gc->bias_grad);

  const ct_norm_kernels *cn = cpu->norm, *gn = gpu->norm;
  ROW("norm.batch_norm", cn->batch_norm, gn->batch_norm);
  ROW("norm.batch_norm_backward", cn->batch_norm_backward, gn->batch_norm_backward);
  ROW("norm.layer_norm", cn->layer_norm, gn->layer_norm);
  ROW("norm.layer_norm_backward", cn->layer_norm_backward, gn->layer_norm_backward);
  ROW("norm.group_norm", cn->group_norm, gn->group_norm);
  ROW("norm.group_norm_backward", cn->group_norm_backward, gn->group_norm_backward);

  const ct_sort_kernels *cs = cpu->sort, *gs = gpu->sort;
  ROW("sort.sort", cs->sort, gs->sort);
  ROW("sort.topk", cs->topk, gs->topk);
  ROW("sort.kthvalue", cs->kthvalue, gs->kthvalue);
  ROW("sort.cumsum", cs->cumsum, gs->cumsum);
  ROW("sort.cumprod", cs->cumprod, gs->cumprod);
  ROW("sort.logcumsumexp", cs->logcumsumexp, gs->logcumsumexp);

  ROW("rnn.step", cpu->rnn->step, gpu->rnn->step);
  ROW("rnn.step_backward", cpu->rnn->step_backward, gpu->rnn->step_backward);
  ROW("rnn.hidden_product", cpu->rnn->hidden_product, gpu->rnn->hidden_product);

  const ct_memory_hooks *cm = cpu->memory, *gm = gpu->memory;
  ONE("memory.alloc", cm->alloc, gm->alloc);
  ONE("memory.free", cm->free, gm->free);
  ONE("memory.to_host", cm->to_host, gm->to_host);
  ONE("memory.from_host", cm->from_host, gm->from_host);
  ONE("memory.copy", cm->copy, gm->copy);
  ONE("memory.zero", cm->zero, gm->zero);
}
