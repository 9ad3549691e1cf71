/// @file distributed.h
/// @brief torch.distributed on MPI: process groups, collectives, point-to-point, and the
/// DistributedSampler and DistributedDataParallel built on them.
///
/// Start the processes with `mpirun -np N program`; each calls ct_dist_init_process_group()
/// and finds its rank and the world size in the MPI environment (started without mpirun,
/// it is a world of one). Collectives work in place on CPU tensors of every dtype,
/// contiguous or not, as torch.distributed does:
///
/// ```c
/// ct_dist_init_process_group(0);                   // dist.init_process_group("mpi")
/// ct_dist_all_reduce(t, CT_REDUCE_SUM, NULL);      // dist.all_reduce(t)
/// ct_dist_destroy_process_group();
/// ```
///
/// Every operation waits at most the process group's timeout (ct_dist_init_process_group's
/// argument, 1800 s by default as in PyTorch): a rank that fails or exits early makes the
/// others fail with an error (CT_ERR_RUNTIME) rather than hang, and the group is then
/// unusable (every later call on it fails at once). MPI errors come back as ctorch errors.
/// Built without MPI, every ct_dist_* function fails with "ctorch was built without
/// distributed support" (ct_dist_is_available() says false).
#ifndef CTORCH_DISTRIBUTED_H
#define CTORCH_DISTRIBUTED_H
#include "ctorch/nn.h"
#include "ctorch/random.h"
#include "ctorch/sampler.h"

#ifdef __cplusplus
extern "C" {
#endif

/// dist.ReduceOp. AVG needs a floating tensor (it is SUM, then a division by the group
/// size). On bool tensors SUM and MAX are a logical or, PRODUCT and MIN a logical and.
typedef enum ct_reduce_op { CT_REDUCE_SUM, CT_REDUCE_AVG, CT_REDUCE_PRODUCT, CT_REDUCE_MIN, CT_REDUCE_MAX } ct_reduce_op;

/// A process group (dist.ProcessGroup). NULL means the default group (all ranks).
typedef struct ct_process_group ct_process_group;
/// The handle of an asynchronous operation (dist.Work): wait on it, then free it.
typedef struct ct_work ct_work;

/// dist.is_available(): whether this build has MPI.
CT_API bool ct_dist_is_available(void);
/// dist.init_process_group("mpi", timeout=timeout_seconds): initialises MPI (unless the
/// program did) and the default group. timeout_seconds <= 0 means PyTorch's 1800 s.
/// Errors when already initialised.
CT_API ct_status ct_dist_init_process_group(double timeout_seconds);
/// dist.is_initialized().
CT_API bool ct_dist_is_initialized(void);
/// dist.destroy_process_group(): frees the default group (and finalises MPI when
/// ct_dist_init_process_group initialised it). Groups from ct_dist_new_group must be
/// freed before.
CT_API ct_status ct_dist_destroy_process_group(void);
/// dist.get_rank(group): this process's rank in `group` (NULL: the default group); -1 in
/// a group it is not a member of; -1 and an error when not initialised.
CT_API int ct_dist_get_rank(const ct_process_group *group);
/// dist.get_world_size(group); -1 and an error when not initialised or not a member.
CT_API int ct_dist_get_world_size(const ct_process_group *group);
/// The global rank of `group`'s rank group_rank (dist.distributed_c10d._get_global_rank);
/// -1 and an error when out of range.
CT_API int ct_dist_get_global_rank(const ct_process_group *group, int group_rank);
/// dist.new_group(ranks): a group of the given global ranks (NULL, 0: all of them), in
/// the order given. Collective: every rank of the default group calls it with the same
/// ranks. A rank outside `ranks` gets a handle on which get_rank says -1 and operations
/// fail. Free with ct_dist_group_free.
CT_API ct_process_group *ct_dist_new_group(const int *ranks, int n);
/// Free a group from ct_dist_new_group (NULL and the default group are ignored).
CT_API void ct_dist_group_free(ct_process_group *group);
/// The timeout of a group's operations, in seconds (NULL: the default group); changing it
/// is for tests and long pauses. Errors for a non-positive value.
CT_API ct_status ct_dist_set_timeout(ct_process_group *group, double seconds);

// ---- collectives (in place; `group` NULL: the default group; ranks are global ranks) ----

/// dist.all_reduce(t, op, group): every rank's t becomes the reduction over the ranks.
CT_API ct_status ct_dist_all_reduce(ct_tensor *t, ct_reduce_op op, ct_process_group *group);
/// dist.broadcast(t, src, group): every rank's t becomes rank src's.
CT_API ct_status ct_dist_broadcast(ct_tensor *t, int src, ct_process_group *group);
/// dist.reduce(t, dst, op, group): rank dst's t becomes the reduction; the others' stay.
CT_API ct_status ct_dist_reduce(ct_tensor *t, int dst, ct_reduce_op op, ct_process_group *group);
/// dist.all_gather(outputs, input, group): outputs[i] = rank i's input (group ranks);
/// n is the group size, each output has input's shape and dtype.
CT_API ct_status ct_dist_all_gather(ct_tensor *const *outputs, int n, const ct_tensor *input,
                                    ct_process_group *group);
/// dist.reduce_scatter(output, inputs, op, group): output = the reduction over the ranks
/// of their inputs[r], r this rank's group rank; n is the group size, every input has
/// output's shape and dtype.
CT_API ct_status ct_dist_reduce_scatter(ct_tensor *output, ct_tensor *const *inputs, int n, ct_reduce_op op,
                                        ct_process_group *group);
/// dist.barrier(group).
CT_API ct_status ct_dist_barrier(ct_process_group *group);
/// dist.send(t, dst, group, tag).
CT_API ct_status ct_dist_send(const ct_tensor *t, int dst, ct_process_group *group, int tag);
/// dist.recv(t, src, group, tag): t is overwritten with what rank src sent.
CT_API ct_status ct_dist_recv(ct_tensor *t, int src, ct_process_group *group, int tag);

// ---- the same, asynchronous (async_op=True): NULL on error ----

CT_API ct_work *ct_dist_all_reduce_async(ct_tensor *t, ct_reduce_op op, ct_process_group *group);
CT_API ct_work *ct_dist_broadcast_async(ct_tensor *t, int src, ct_process_group *group);
CT_API ct_work *ct_dist_reduce_async(ct_tensor *t, int dst, ct_reduce_op op, ct_process_group *group);
CT_API ct_work *ct_dist_all_gather_async(ct_tensor *const *outputs, int n, const ct_tensor *input,
                                         ct_process_group *group);
CT_API ct_work *ct_dist_reduce_scatter_async(ct_tensor *output, ct_tensor *const *inputs, int n, ct_reduce_op op,
                                             ct_process_group *group);
CT_API ct_work *ct_dist_barrier_async(ct_process_group *group);
/// dist.isend(t, dst, group, tag).
CT_API ct_work *ct_dist_isend(const ct_tensor *t, int dst, ct_process_group *group, int tag);
/// dist.irecv(t, src, group, tag).
CT_API ct_work *ct_dist_irecv(ct_tensor *t, int src, ct_process_group *group, int tag);
/// work.wait(): blocks until the operation is done (or the group's timeout passes: then
/// CT_ERR_RUNTIME and the group is unusable); the tensors hold the result after it.
CT_API ct_status ct_work_wait(ct_work *work);
/// work.is_completed(): polls without blocking (false on error; see ct_work_wait).
CT_API bool ct_work_is_completed(ct_work *work);
/// Free a work handle; one not waited on is waited on first. NULL is a no-op.
CT_API void ct_work_free(ct_work *work);

// ---- DistributedSampler (torch.utils.data.distributed) ----

/// DistributedSampler(dataset, num_replicas, rank, shuffle, seed, drop_last): the rank's
/// share of the indices, as PyTorch 1.13 orders them (randperm from a generator seeded
/// seed + epoch when shuffling, the start repeated to pad to a multiple of num_replicas,
/// or the tail dropped with drop_last, then every num_replicas-th index from `rank`).
/// num_replicas or rank < 0: from the default process group. A ct_sampler: give it to a
/// DataLoader, free it with ct_sampler_free.
CT_API ct_sampler *ct_distributed_sampler_new(const ct_dataset *dataset, int num_replicas, int rank, bool shuffle,
                                              uint64_t seed, bool drop_last);
/// sampler.set_epoch(epoch): the next iteration shuffles with seed + epoch. Errors for a
/// sampler that is not a DistributedSampler.
CT_API ct_status ct_distributed_sampler_set_epoch(ct_sampler *sampler, int64_t epoch);

// ---- DistributedDataParallel ----

/// DistributedDataParallel(module, ...).
typedef struct ct_ddp ct_ddp;
/// DDP's keyword arguments; start from ct_ddp_defaults().
typedef struct ct_ddp_options {
  double bucket_cap_mb;        ///< bucket size in MiB (25)
  bool broadcast_buffers;      ///< broadcast rank 0's buffers at each forward (true)
  bool find_unused_parameters; ///< parameters the output does not depend on are averaged as zeros (false)
  bool gradient_as_bucket_view; ///< .grad becomes a view of its bucket: no copies in and out (false)
  ct_process_group *group;     ///< NULL: the default group
} ct_ddp_options;
/// PyTorch's defaults.
CT_API ct_ddp_options ct_ddp_defaults(void);
/// DistributedDataParallel(module): checks that every rank's module has the same number of
/// parameters, sizes and strides (every rank fails with PyTorch's message when one
/// differs), broadcasts rank 0's parameters and buffers into every
/// rank's module (collective) and buckets the parameters (PyTorch's order: reverse
/// registration order, the first bucket 1 MiB, then bucket_cap_mb, one dtype per bucket).
/// The module is borrowed. opts NULL: the defaults.
CT_API ct_ddp *ct_ddp_new(ct_module *module, const ct_ddp_options *opts);
/// Free the wrapper (not the module). NULL is a no-op.
CT_API void ct_ddp_free(ct_ddp *ddp);
/// The wrapped module (ddp.module).
CT_API ct_module *ct_ddp_module(ct_ddp *ddp);
/// ddp(input): broadcasts buffers when asked, runs the module, and prepares the gradient
/// reduction of the backward pass that follows (with find_unused_parameters, the
/// parameters the output does not reach are marked ready). NULL on error.
CT_API ct_tensor *ct_ddp_forward(ct_ddp *ddp, ct_tensor *input);
/// Completes the gradient reduction after backward: buckets not yet sent are sent, all
/// are waited on, and every parameter's .grad becomes the average over the ranks. Call
/// it after each ct_backward of a synced step (a no-op when there is nothing to do, or
/// under no_sync). Errors clearly for a parameter that got no gradient without
/// find_unused_parameters.
CT_API ct_status ct_ddp_sync_gradients(ct_ddp *ddp);
/// with ddp.no_sync(): forwards and backwards until ct_ddp_no_sync_exit accumulate
/// gradients locally; the first synced step after it averages the accumulated ones.
CT_API void ct_ddp_no_sync_enter(ct_ddp *ddp);
/// Leaves no_sync.
CT_API void ct_ddp_no_sync_exit(ct_ddp *ddp);
/// Number of buckets, and the parameter indices (into ct_module_parameters' order) of
/// bucket i written to indices[] (room for every parameter); returns the count, -1 on
/// error. For tests and tuning.
CT_API int ct_ddp_num_buckets(const ct_ddp *ddp);
/// How many buckets' all-reduces the running backward has started (they start in bucket
/// order as soon as each bucket is full; 0 after the reduction is complete). For tests.
CT_API int ct_ddp_buckets_started(const ct_ddp *ddp);
CT_API int ct_ddp_bucket_params(const ct_ddp *ddp, int bucket, int *indices);

#ifdef __cplusplus
}
#endif
#endif
