// The DataLoader's workers (num_workers > 0): threads that fetch and collate batches ahead
// of the training loop, ctorch's version of PyTorch's worker processes.
//
// Order and draws: as PyTorch's _MultiProcessingDataLoaderIter, the main thread draws every
// batch of indices from the batch sampler: workers * prefetch_factor when the epoch starts,
// then one more each time a batch is taken. Tasks are numbered in sampler order and taken
// in that order, so the batches are exactly those of num_workers = 0.
//
// Threads and ownership: tensors are not synchronised (docs/DESIGN.md, Threads), and a
// dataset's callbacks touch shared tensors (a TensorDataset's sample is a view holding its
// storage). So the callbacks run one worker at a time, under `callbacks`, overlapping the
// training step rather than each other; a worker builds a batch in a scope of its own,
// takes its own references to the fields (copying a field that shares memory or a graph
// with anything else, so nothing the main thread later frees is shared with the dataset),
// closes the scope, and the main thread registers those references with its innermost
// scope. Errors travel as (status, message) and are recorded again in the main thread.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/error_impl.h"
#include "core/tensor_impl.h"
#include "ctorch/autograd.h"
#include "ctorch/scope.h"
#include "ctorch/view.h"
#include "data/dataloader_impl.h"

typedef struct task {
  int64_t *indices; // this batch's sample indices
  int64_t capacity;
  int count;
  bool done;        // fetched (result or error below)
  ct_status status;
  char message[1024];
  ct_batch batch;   // references held by the task, in no scope
} task;

struct ct__worker_pool {
  ct_dataloader *loader;
  pthread_mutex_t lock;      // guards the counters, `done` and `stopping`
  pthread_cond_t work_ready; // a task was sent, or stopping
  pthread_cond_t task_done;
  pthread_mutex_t callbacks; // the dataset and collate callbacks run under it
  pthread_t *threads;
  int n_threads;
  task *tasks; // a ring: task k lives in tasks[k % n_tasks]
  int64_t n_tasks;
  int64_t sent, claimed, taken; // tasks sent by the main thread, claimed by workers, taken back
  bool sampler_done;            // the batch sampler has ended the epoch
  bool stopping;
};

// A field the main thread may own alone: no other reference, no shared storage, no graph
// reaching the dataset's tensors. Others are replaced by a detached copy.
static bool owned_alone(const ct_tensor *t) {
  return t->refcount == 1 && t->storage->refcount == 1 && !t->grad_fn && !t->view_base;
}

// Fetches task t's batch (worker thread). On success t->batch holds references the
// task owns; on failure t->status and t->message say why.
static void fetch(ct__worker_pool *p, task *t) {
  ct_batch batch = {0};
  pthread_mutex_lock(&p->callbacks);
  ct_clear_error();
  ct_scope *scope = ct_scope_open();
  ct_status st = scope ? ct__dataloader_fetch(p->loader, t->indices, t->count, &batch) : ct_last_status();
  for (int k = 0; st == CT_OK && k < batch.count; k++) {
    if (batch.fields[k] && !owned_alone(batch.fields[k]) && !(batch.fields[k] = ct_clone(ct_detach(batch.fields[k]))))
      st = ct_last_status();
  }
  if (st != CT_OK) batch.count = 0;
  for (int k = 0; k < batch.count; k++) ct_retain(batch.fields[k]);
  ct_status closed = scope ? ct_scope_close(scope) : CT_OK; // reports a scope a callback left open
  pthread_mutex_unlock(&p->callbacks);
  if (st == CT_OK && closed != CT_OK) {
    st = closed;
    for (int k = 0; k < batch.count; k++) ct_release(batch.fields[k]);
    batch.count = 0;
  }
  t->status = st;
  t->batch = batch;
  if (st != CT_OK) snprintf(t->message, sizeof t->message, "%s", ct_last_error());
}

static void *worker_main(void *arg) {
  ct__worker_pool *p = arg;
  pthread_mutex_lock(&p->lock);
  for (;;) {
    while (!p->stopping && p->claimed == p->sent) pthread_cond_wait(&p->work_ready, &p->lock);
    if (p->stopping) break;
    task *t = &p->tasks[p->claimed++ % p->n_tasks];
    pthread_mutex_unlock(&p->lock);
    fetch(p, t);
    pthread_mutex_lock(&p->lock);
    t->done = true;
    pthread_cond_signal(&p->task_done);
  }
  pthread_mutex_unlock(&p->lock);
  return NULL;
}

// Draws the next batch of indices and sends it to the workers (PyTorch's _try_put_index).
static ct_status put_indices(ct__worker_pool *p) {
  if (p->sampler_done) return CT_OK;
  int64_t *indices;
  int count;
  ct_batch_result got = ct__dataloader_next_indices(p->loader, &indices, &count);
  if (got == CT_BATCH_ERROR) return ct_last_status();
  if (got == CT_BATCH_END) {
    p->sampler_done = true;
    return CT_OK;
  }
  // Task `sent` reuses the slot of a task already taken: no worker touches it.
  task *t = &p->tasks[p->sent % p->n_tasks];
  if (count > t->capacity) {
    int64_t *grown = realloc(t->indices, (size_t)count * sizeof *grown);
    if (!grown) return ct__error(CT_ERR_MEMORY, "out of memory sending a batch to the DataLoader's workers");
    t->indices = grown;
    t->capacity = count;
  }
  memcpy(t->indices, indices, (size_t)count * sizeof *indices);
  t->count = count;
  t->done = false;
  pthread_mutex_lock(&p->lock);
  p->sent++;
  pthread_cond_signal(&p->work_ready);
  pthread_mutex_unlock(&p->lock);
  return CT_OK;
}

static void release_batch(ct_batch *b) {
  for (int k = 0; k < b->count; k++) ct_release(b->fields[k]);
  b->count = 0;
}

void ct__worker_pool_free(ct__worker_pool *p) {
  if (!p) return;
  pthread_mutex_lock(&p->lock);
  p->stopping = true;
  pthread_cond_broadcast(&p->work_ready);
  pthread_mutex_unlock(&p->lock);
  for (int i = 0; i < p->n_threads; i++) pthread_join(p->threads[i], NULL);
  // Every claimed task is done now; drop the batches nobody took.
  for (int64_t k = p->taken; k < p->claimed; k++) release_batch(&p->tasks[k % p->n_tasks].batch);
  for (int64_t k = 0; k < p->n_tasks; k++) free(p->tasks[k].indices);
  pthread_cond_destroy(&p->work_ready);
  pthread_cond_destroy(&p->task_done);
  pthread_mutex_destroy(&p->lock);
  pthread_mutex_destroy(&p->callbacks);
  free(p->tasks);
  free(p->threads);
  free(p);
}

ct__worker_pool *ct__worker_pool_new(ct_dataloader *loader, int workers, int prefetch_factor) {
  int64_t n_tasks = (int64_t)workers * prefetch_factor;
  ct__worker_pool *p = calloc(1, sizeof *p);
  if (!p) return ct__error_null(CT_ERR_MEMORY, "out of memory starting the DataLoader's workers");
  p->loader = loader;
  p->n_tasks = n_tasks;
  p->tasks = n_tasks <= (INT64_C(1) << 32) ? calloc((size_t)n_tasks, sizeof *p->tasks) : NULL;
  p->threads = calloc((size_t)workers, sizeof *p->threads);
  pthread_mutex_init(&p->lock, NULL);
  pthread_mutex_init(&p->callbacks, NULL);
  pthread_cond_init(&p->work_ready, NULL);
  pthread_cond_init(&p->task_done, NULL);
  if (!p->tasks || !p->threads) {
    ct__worker_pool_free(p);
    return ct__error_null(CT_ERR_MEMORY, "out of memory starting %d DataLoader workers with prefetch_factor %d",
                          workers, prefetch_factor);
  }
  for (; p->n_threads < workers; p->n_threads++) {
    if (pthread_create(&p->threads[p->n_threads], NULL, worker_main, p)) {
      ct__worker_pool_free(p);
      return ct__error_null(CT_ERR_RUNTIME, "DataLoader: could not start worker thread %d", p->n_threads);
    }
  }
  for (int64_t k = 0; k < n_tasks; k++) {
    if (put_indices(p) != CT_OK) {
      ct__worker_pool_free(p);
      return NULL;
    }
  }
  return p;
}

ct_batch_result ct__worker_pool_next(ct__worker_pool *p, ct_batch *batch) {
  if (p->taken == p->sent) return CT_BATCH_END; // the sampler is done and every batch taken
  task *t = &p->tasks[p->taken % p->n_tasks];
  pthread_mutex_lock(&p->lock);
  while (!t->done) pthread_cond_wait(&p->task_done, &p->lock);
  p->taken++;
  pthread_mutex_unlock(&p->lock);
  ct_batch got = t->batch;
  ct_status st = t->status;
  t->batch.count = 0;
  if (st != CT_OK) ct__error(st, "%s", t->message);
  ct_status put = put_indices(p); // before handing out the batch, as PyTorch
  if (st == CT_OK && put != CT_OK) st = put;
  if (st != CT_OK) {
    release_batch(&got);
    return CT_BATCH_ERROR;
  }
  for (int k = 0; k < got.count; k++) { // the task's references go to the caller's innermost scope
    if (ct__register(got.fields[k])) continue;
    st = ct_last_status(); // ct__register released field k
    for (int j = 0; j < k; j++) ct__drop(got.fields[j]);
    for (int j = k + 1; j < got.count; j++) ct_release(got.fields[j]);
    return CT_BATCH_ERROR;
  }
  *batch = got;
  return CT_BATCH_READY;
}
