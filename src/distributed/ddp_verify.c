// DDP's check at construction that every rank wraps the same model (PyTorch 1.13's
// verify_params_across_processes): the same number of parameters (an all_gather of the
// counts), then each parameter's sizes and strides against rank 0's (a broadcast). Where
// PyTorch fails only on the ranks that differ (rank 0 then waits on them), here the lowest
// failing rank's message is broadcast so that every rank fails with it, without a hang.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "core/error_impl.h"
#include "ctorch/creation.h"
#include "ctorch/scope.h"
#include "distributed/ddp_impl.h"

#define MESSAGE_CHARS 512

// "[6, 5]": a shape as PyTorch prints an IntArrayRef.
static void format_sizes(const ct_tensor *t, char *out, size_t cap) {
  size_t used = (size_t)snprintf(out, cap, "[");
  for (int d = 0; d < ct_dim(t) && used < cap; d++)
    used += (size_t)snprintf(out + used, cap - used, "%s%lld", d ? ", " : "", (long long)ct_shape(t)[d]);
  if (used < cap) snprintf(out + used, cap - used, "]");
}

// This rank's parameter count against every rank's: PyTorch's message for the first rank
// whose count differs, written into message. When the counts are not all equal, every
// rank finds one that differs from its own.
static ct_status check_counts(ct_ddp *ddp, int rank, int world, char *message, bool *differs) {
  int64_t one = 1;
  ct_tensor **counts = malloc((size_t)world * sizeof *counts);
  ct_tensor *mine = ct_full(1, &one, ddp->num_params, CT_INT64);
  ct_status st = counts && mine ? CT_OK : ct__error(CT_ERR_MEMORY, "DistributedDataParallel: out of memory");
  for (int r = 0; st == CT_OK && r < world; r++)
    if (!(counts[r] = ct_zeros(1, &one, CT_INT64))) st = ct_last_status();
  if (st == CT_OK) st = ct_dist_all_gather(counts, world, mine, ddp->opts.group);
  *differs = false;
  for (int r = 0; st == CT_OK && r < world && !*differs; r++) {
    int64_t theirs = ((const int64_t *)ct_data_ptr(counts[r]))[0];
    if ((*differs = theirs != ddp->num_params))
      snprintf(message, MESSAGE_CHARS,
               "DDP expects same model across all ranks, but Rank %d has %d params, while rank %d has inconsistent "
               "%lld params.",
               rank, ddp->num_params, r, (long long)theirs);
  }
  free(counts);
  return st;
}

// The sizes then strides of every parameter, as int64 (NULL on error); *length its size.
static ct_tensor *param_metadata(ct_ddp *ddp, int64_t *length) {
  *length = 0;
  for (int p = 0; p < ddp->num_params; p++) *length += 2 * ct_dim(ddp->params[p]);
  ct_tensor *meta = ct_zeros(1, length, CT_INT64);
  if (!meta) return NULL;
  int64_t *m = ct_data_ptr(meta), i = 0;
  for (int p = 0; p < ddp->num_params; p++) {
    const ct_tensor *t = ddp->params[p];
    for (int d = 0; d < ct_dim(t); d++) m[i++] = ct_shape(t)[d];
    for (int d = 0; d < ct_dim(t); d++) m[i++] = ct_strides(t)[d];
  }
  return meta;
}

// This rank's sizes and strides against rank 0's (broadcast): PyTorch's message for the
// first parameter that differs, written into message.
static ct_status check_shapes(ct_ddp *ddp, int rank, int src, char *message, bool *differs) {
  int64_t one = 1, length;
  ct_tensor *mine = param_metadata(ddp, &length), *rank0_length = ct_full(1, &one, (double)length, CT_INT64);
  ct_status st = mine && rank0_length ? CT_OK : ct_last_status();
  if (st == CT_OK) st = ct_dist_broadcast(rank0_length, src, ddp->opts.group);
  int64_t control_length = st == CT_OK ? ((const int64_t *)ct_data_ptr(rank0_length))[0] : 0;
  ct_tensor *control = st == CT_OK ? ct_zeros(1, &control_length, CT_INT64) : NULL;
  if (st == CT_OK && !control) st = ct_last_status();
  if (st == CT_OK && rank == 0) st = ct_dist_broadcast(mine, src, ddp->opts.group);
  else if (st == CT_OK) st = ct_dist_broadcast(control, src, ddp->opts.group);
  if (st != CT_OK || rank == 0) return st; // rank 0's are the reference
  const int64_t *want = ct_data_ptr(control), *have = ct_data_ptr(mine);
  *differs = false;
  for (int p = 0, i = 0; p < ddp->num_params && !*differs; p++) {
    int dims = ct_dim(ddp->params[p]);
    for (int k = 0; k < 2 * dims && !*differs; k++, i++) {
      if (!(*differs = i >= control_length || have[i] != want[i])) continue;
      char sizes[256];
      format_sizes(ddp->params[p], sizes, sizeof sizes);
      snprintf(message, MESSAGE_CHARS,
               "[%d]: params[%d] in this process with sizes %s appears not to match %s of the same param in process 0.",
               rank, p, sizes, k < dims ? "sizes" : "strides");
    }
  }
  return st;
}

// Every rank fails with the lowest failing rank's message when any rank's check failed.
static ct_status agree(ct_ddp *ddp, int rank, int world, bool failed, const char *message) {
  int64_t one = 1, chars = MESSAGE_CHARS;
  ct_tensor *first = ct_full(1, &one, failed ? rank : world, CT_INT32);
  ct_status st = first ? ct_dist_all_reduce(first, CT_REDUCE_MIN, ddp->opts.group) : ct_last_status();
  int failing = st == CT_OK ? ((const int32_t *)ct_data_ptr(first))[0] : world;
  if (st != CT_OK || failing == world) return st;
  ct_tensor *text = ct_zeros(1, &chars, CT_INT32); // the message's characters
  if (!text) return ct_last_status();
  int32_t *c = ct_data_ptr(text);
  for (int i = 0; rank == failing && i < MESSAGE_CHARS - 1 && message[i]; i++) c[i] = (unsigned char)message[i];
  int src = ct_dist_get_global_rank(ddp->opts.group, failing);
  if ((st = src < 0 ? ct_last_status() : ct_dist_broadcast(text, src, ddp->opts.group)) != CT_OK) return st;
  char received[MESSAGE_CHARS];
  int n = 0;
  for (; n < MESSAGE_CHARS - 1 && c[n]; n++) received[n] = (char)c[n];
  received[n] = '\0';
  return ct__error(CT_ERR_RUNTIME, "%s", received);
}

ct_status ct__ddp_verify_params(ct_ddp *ddp) {
  int rank = ct_dist_get_rank(ddp->opts.group), world = ct_dist_get_world_size(ddp->opts.group);
  int src = ct_dist_get_global_rank(ddp->opts.group, 0);
  if (rank < 0 || world < 0 || src < 0) return ct_last_status();
  ct_scope *scope = ct_scope_open();
  if (!scope) return ct_last_status();
  char message[MESSAGE_CHARS] = "";
  bool differs = false;
  ct_status st = check_counts(ddp, rank, world, message, &differs);
  if (st == CT_OK && differs) st = ct__error(CT_ERR_RUNTIME, "%s", message); // every rank sees a count differ
  if (st == CT_OK) st = check_shapes(ddp, rank, src, message, &differs);
  if (st == CT_OK) st = agree(ddp, rank, world, differs, message);
  ct_scope_close(scope);
  return st;
}
