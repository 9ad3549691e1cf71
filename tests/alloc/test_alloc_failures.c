// Allocation-failure injection. This program is linked with the linker's --wrap for
// malloc, calloc, realloc, aligned_alloc and strdup, so every allocation ctorch makes
// passes through the wrappers below. For each workload (a training step, the data
// pipeline, module save/load, every file loader, .pt / safetensors / checkpoints) it first counts the allocations of a
// run, then runs it again once per N, failing exactly the Nth allocation, on a fresh
// thread (cold block pools). Each run must fail with an out-of-memory error (or, where a
// failure is absorbed, succeed with the undisturbed result), leak nothing (LeakSanitizer
// under make sanitize) and leave the library working: the thread then runs the workload
// again without injection and must get the undisturbed result.
#define _GNU_SOURCE // mkdtemp
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ctorch.h"

// ---- the wrappers ----
void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__real_aligned_alloc(size_t alignment, size_t size);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
void *__wrap_aligned_alloc(size_t alignment, size_t size);
char *__wrap_strdup(const char *s);

static _Thread_local long allocations; // counted on the injecting thread only
static _Thread_local long fail_at;     // 1-based index of the allocation to fail; 0: none
static _Thread_local bool counting;

// True when this allocation is the one to fail.
static bool inject(void) {
  if (!counting) return false;
  return ++allocations == fail_at;
}

void *__wrap_malloc(size_t size) { return inject() ? NULL : __real_malloc(size); }
void *__wrap_calloc(size_t n, size_t size) { return inject() ? NULL : __real_calloc(n, size); }
void *__wrap_realloc(void *p, size_t size) { return inject() ? NULL : __real_realloc(p, size); }
void *__wrap_aligned_alloc(size_t alignment, size_t size) {
  return inject() ? NULL : __real_aligned_alloc(alignment, size);
}
char *__wrap_strdup(const char *s) { return inject() ? NULL : __real_strdup(s); }

// ---- workloads: each creates what it needs, frees it all, and sums its results ----
typedef ct_status (*workload_fn)(double *result);

static ct_status status_of(bool ok) { return ok ? CT_OK : (ct_last_status() != CT_OK ? ct_last_status() : CT_ERR_RUNTIME); }

// The checksums below are the test's own reading of results: no failure is injected there.
static double sum_of(ct_tensor *t) {
  bool was_counting = counting;
  counting = false;
  double v = 0;
  ct_scope *s = ct_scope_open();
  if (!s || ct_item(ct_sum(t), &v) != CT_OK) abort();
  ct_scope_close(s);
  counting = was_counting;
  return v;
}

static double sum_parameters(ct_module *m) {
  bool was_counting = counting;
  counting = false;
  double total = 0;
  ct_named_list *named = ct_module_named_parameters(m);
  if (!named) abort();
  for (int i = 0; i < named->count; i++) total += sum_of(named->items[i].tensor);
  ct_named_list_free(named);
  counting = was_counting;
  return total;
}

// The seed's MLP (Linear 5-3, Sigmoid, Linear 3-5, Sigmoid), BCELoss, one Adam step.
static ct_status training_step(double *result) {
  ct_manual_seed(0);
  ct_module *model = ct_sequential_new(
      4, (ct_module *[]){ct_linear_new(5, 3, true), ct_sigmoid_new(), ct_linear_new(3, 5, true), ct_sigmoid_new()});
  int n = 0;
  ct_tensor **params = model ? ct_module_parameters(model, &n) : NULL;
  ct_optimizer *adam = params ? ct_adam_new(params, n, ct_adam_defaults()) : NULL;
  free(params);
  bool ok = adam != NULL;
  double loss_value = 0;
  if (ok) {
    ct_scope *step = ct_scope_open();
    ct_tensor *y = step ? ct_ones(CT_SHAPE(10, 5), CT_FLOAT32) : NULL;
    ct_tensor *x = ct_add(y, ct_randn_like(y));
    ct_tensor *loss = ct_binary_cross_entropy(ct_module_forward(model, x), y, NULL, CT_REDUCTION_MEAN);
    ok = loss && ct_optimizer_zero_grad(adam, true) == CT_OK && ct_backward(loss, NULL) == CT_OK &&
         ct_optimizer_step(adam) == CT_OK && ct_item(loss, &loss_value) == CT_OK;
    ct_scope_close(step);
  }
  ct_status st = status_of(ok);
  if (ok) *result = loss_value + sum_parameters(model);
  ct_optimizer_free(adam);
  ct_module_free(model);
  return st;
}

// A bidirectional 2-layer LSTM over an unsorted packed batch and a GRUCell step, forward
// and backward.
static ct_status recurrent_step(double *result) {
  ct_manual_seed(0);
  ct_rnn_options o = ct_rnn_defaults();
  o.num_layers = 2, o.bidirectional = true;
  ct_module *lstm = ct_lstm_new(3, 4, o), *cell = ct_gru_cell_new(3, 4, ct_rnn_defaults());
  bool ok = lstm && cell;
  double value = 0;
  if (ok) {
    ct_scope *step = ct_scope_open();
    ct_tensor *x = step ? ct_randn(CT_SHAPE(5, 3, 3), CT_FLOAT32) : NULL;
    ct_tensor *lengths = x ? ct_tensor_from_i64((int64_t[]){4, 5, 2}, CT_SHAPE(3)) : NULL;
    ct_packed_sequence packed;
    ct_rnn_output r;
    ct_tensor *h = NULL;
    ok = lengths && ct_pack_padded_sequence(x, lengths, false, false, &packed) == CT_OK &&
         ct_rnn_forward_packed(lstm, &packed, NULL, NULL, &r) == CT_OK &&
         ct_rnn_cell_forward(cell, ct_select(x, 0, 0), NULL, NULL, &h, NULL) == CT_OK;
    ct_tensor *loss = ok ? ct_add(ct_sum(ct_pad_packed_sequence(&r.packed, false, 0.0, -1, NULL)),
                                  ct_add(ct_sum(r.c_n), ct_sum(h)))
                         : NULL;
    ok = loss && ct_backward(loss, NULL) == CT_OK && ct_item(loss, &value) == CT_OK;
    ct_scope_close(step);
  }
  ct_status st = status_of(ok);
  if (ok) *result = value + sum_parameters(lstm) + sum_parameters(cell);
  ct_module_free(lstm);
  ct_module_free(cell);
  return st;
}

// A TensorDataset through a shuffling DataLoader for one epoch, then a vocabulary and
// pad_sequence, as the demo uses them.
static ct_status data_pipeline(double *result) {
  ct_manual_seed(0);
  ct_scope *s = ct_scope_open();
  bool ok = s != NULL;
  double total = 0;
  ct_tensor *fields[2] = {ok ? ct_randn(CT_SHAPE(10, 3), CT_FLOAT32) : NULL, ok ? ct_arange(0, 10, 1, CT_INT64) : NULL};
  ct_dataset *ds = fields[0] && fields[1] ? ct_tensor_dataset_new(2, fields) : NULL;
  ct_dataloader *loader = ds ? ct_dataloader_new(ds, (ct_dataloader_options){.batch_size = 4, .shuffle = true}) : NULL;
  ok = loader && ct_dataloader_start_epoch(loader) == CT_OK;
  ct_batch batch;
  ct_batch_result next = CT_BATCH_ERROR;
  while (ok && (next = ct_dataloader_next(loader, &batch)) == CT_BATCH_READY)
    total += sum_of(batch.fields[0]) + sum_of(batch.fields[1]);
  ok = ok && next == CT_BATCH_END;
  const char *words[] = {"we", "always", "come", "to", "paris"}, *specials[] = {"<pad>", "<unk>"};
  ct_vocab *vocab = ok ? ct_vocab_new(words, 5, specials, 2, "<unk>") : NULL;
  ok = vocab != NULL;
  if (ok) total += (double)ct_vocab_index(vocab, "paris") + (double)ct_vocab_index(vocab, "london");
  ct_tensor *seqs[2] = {ok ? ct_ones(CT_SHAPE(3), CT_FLOAT32) : NULL, ok ? ct_ones(CT_SHAPE(5), CT_FLOAT32) : NULL};
  ct_tensor *padded = seqs[0] && seqs[1] ? ct_pad_sequence(seqs, 2, true, -1) : NULL;
  ok = padded != NULL;
  if (ok) total += sum_of(padded);
  ct_status st = status_of(ok);
  ct_vocab_free(vocab);
  ct_dataloader_free(loader);
  ct_tensor_dataset_free(ds);
  ct_scope_close(s);
  if (st == CT_OK) *result = total;
  return st;
}

static char save_dir[256];

// ct_module_save of a Linear, ct_module_load into another.
static ct_status module_save_load(double *result) {
  ct_manual_seed(0);
  ct_module *a = ct_linear_new(4, 3, true), *b = ct_linear_new(4, 3, true);
  bool ok = a && b && ct_module_save(a, save_dir) == CT_OK && ct_module_load(b, save_dir) == CT_OK;
  ct_status st = status_of(ok);
  if (ok) *result = sum_parameters(b);
  ct_module_free(a);
  ct_module_free(b);
  return st;
}

// The .npy reader (from a buffer and from a file) and the tensor-literal parser.
static ct_status file_loaders(double *result) {
  ct_scope *s = ct_scope_open();
  bool ok = s != NULL;
  double total = 0;
  ct_tensor *t = ok ? ct_tensor_parse("[[1.5, 2], [3, 4]]") : NULL;
  void *buffer = NULL;
  size_t size = 0;
  ok = t && ct_save_npy_buffer(t, &buffer, &size) == CT_OK;
  ct_tensor *from_buffer = ok ? ct_load_npy_buffer(buffer, size) : NULL;
  free(buffer);
  char path[300];
  snprintf(path, sizeof path, "%s/t.npy", save_dir);
  ok = from_buffer && ct_save_npy(path, t) == CT_OK;
  ct_tensor *from_file = ok ? ct_load_npy(path) : NULL;
  ok = from_file != NULL;
  if (ok) total = sum_of(t) + sum_of(from_buffer) + sum_of(from_file);
  ct_status st = status_of(ok);
  ct_scope_close(s);
  if (st == CT_OK) *result = total;
  return st;
}

// .pt and safetensors, both ways through memory, and a training checkpoint (model, Adam
// over two groups, SequentialLR) through a file.
static ct_status pt_and_safetensors(double *result) {
  ct_scope *s = ct_scope_open();
  ct_tensor *t = s ? ct_tensor_parse("[[1.5, 2], [3, 4]]") : NULL;
  ct_value *tree = ct_value_dict(), *tensors = ct_value_dict(), *loaded = NULL, *st_loaded = NULL, *meta = NULL;
  bool ok = t && ct_value_dict_set_str(tree, "w", ct_value_tensor(t)) == CT_OK &&
            ct_value_dict_set_str(tree, "t", ct_value_tensor(ct_transpose(t, 0, 1))) == CT_OK &&
            ct_value_dict_set_str(tree, "n", ct_value_int(3)) == CT_OK &&
            ct_value_dict_set_str(tensors, "w", ct_value_tensor(t)) == CT_OK;
  void *buffer = NULL;
  size_t size = 0;
  ok = ok && ct_save_pt_buffer(tree, &buffer, &size) == CT_OK && (loaded = ct_load_pt_buffer(buffer, size));
  free(buffer);
  buffer = NULL;
  ok = ok && ct_save_safetensors_buffer(tensors, NULL, &buffer, &size) == CT_OK &&
       (st_loaded = ct_load_safetensors_buffer(buffer, size, &meta));
  free(buffer);
  char path[300];
  snprintf(path, sizeof path, "%s/c.pt", save_dir);
  ct_manual_seed(0);
  ct_module *m = ok ? ct_linear_new(2, 1, true) : NULL;
  ct_tensor *w = m ? ct_module_parameter(m, "weight") : NULL, *b = m ? ct_module_parameter(m, "bias") : NULL;
  ct_optimizer *opt = w ? ct_adam_new(&w, 1, ct_adam_defaults()) : NULL;
  const ct_group_option betas = {.key = "betas", .value = 0.8, .value2 = 0.9};
  ct_lr_scheduler *parts[2] = {NULL, NULL};
  ok = opt && ct_optimizer_add_param_group(opt, &b, 1, &betas, 1) == CT_OK &&
       (parts[0] = ct_linear_lr_new(opt, 0.5, 1.0, 2)) && (parts[1] = ct_exponential_lr_new(opt, 0.9));
  ct_lr_scheduler *sched = ok ? ct_sequential_lr_new(opt, parts, 2, (int64_t[]){2}, 1) : NULL;
  if (!ok) {
    ct_lr_scheduler_free(parts[0]);
    ct_lr_scheduler_free(parts[1]);
  }
  ct_checkpoint c = {.model = m, .optimizer = opt, .scheduler = sched, .epoch = 4};
  ok = sched && ct_lr_scheduler_step(sched) == CT_OK && ct_save_checkpoint(path, &c) == CT_OK &&
       ct_load_checkpoint(path, &c) == CT_OK;
  double total = ok ? sum_of(ct_value_as_tensor(ct_value_get(loaded, "t"))) +
                          sum_of(ct_value_as_tensor(ct_value_get(st_loaded, "w"))) + (double)c.epoch +
                          sum_parameters(m) + ct_optimizer_get_lr(opt)
                    : 0;
  ct_status st = status_of(ok);
  ct_lr_scheduler_free(sched);
  ct_optimizer_free(opt);
  ct_module_free(m);
  ct_value_free(tree);
  ct_value_free(tensors);
  ct_value_free(loaded);
  ct_value_free(st_loaded);
  ct_value_free(meta);
  if (s) ct_scope_close(s);
  if (st == CT_OK) *result = total;
  return st;
}

// Parameter groups, a scheduler and an optimizer state round trip: NAdam over two groups
// under OneCycleLR for two steps, its state loaded into a fresh optimizer that steps once.
static ct_status optimizer_groups(double *result) {
  ct_scope *s = ct_scope_open();
  bool ok = s != NULL;
  ct_tensor *a = ok ? ct_requires_grad_(ct_ones(CT_SHAPE(3), CT_FLOAT32), true) : NULL;
  ct_tensor *b = ok ? ct_requires_grad_(ct_ones(CT_SHAPE(2), CT_FLOAT32), true) : NULL;
  const ct_group_option lr = {.key = "lr", .value = 0.1};
  ct_optimizer *opt = a && b ? ct_nadam_new(&a, 1, ct_nadam_defaults()) : NULL;
  ok = opt && ct_optimizer_add_param_group(opt, &b, 1, &lr, 1) == CT_OK;
  ct_lr_scheduler *sched = ok ? ct_one_cycle_lr_new(opt, ct_one_cycle_defaults(0.5, 10)) : NULL;
  ok = sched != NULL;
  for (int k = 0; ok && k < 2; k++) {
    ct_tensor *ga = ct_ones(CT_SHAPE(3), CT_FLOAT32), *gb = ct_ones(CT_SHAPE(2), CT_FLOAT32);
    ok = ga && gb && ct_set_grad(a, ga) == CT_OK && ct_set_grad(b, gb) == CT_OK && ct_optimizer_step(opt) == CT_OK &&
         ct_lr_scheduler_step(sched) == CT_OK;
  }
  ct_optim_state *state = ok ? ct_optimizer_state_dict(opt) : NULL;
  ct_lr_state *sched_state = state ? ct_lr_scheduler_state_dict(sched) : NULL;
  ct_optimizer *again = sched_state ? ct_nadam_new(&a, 1, ct_nadam_defaults()) : NULL;
  ok = again && ct_optimizer_add_param_group(again, &b, 1, &lr, 1) == CT_OK &&
       ct_optimizer_load_state_dict(again, state) == CT_OK && ct_lr_scheduler_load_state_dict(sched, sched_state) == CT_OK &&
       ct_optimizer_step(again) == CT_OK;
  double last_lr = 0;
  ok = ok && ct_lr_scheduler_get_last_lr(sched, &last_lr, 1) == 2;
  ct_status st = status_of(ok);
  if (ok) *result = sum_of(a) + sum_of(b) + last_lr;
  ct_optimizer_free(again);
  ct_lr_state_free(sched_state);
  ct_optim_state_free(state);
  ct_lr_scheduler_free(sched);
  ct_optimizer_free(opt);
  ct_scope_close(s);
  return st;
}

// ---- the driver ----
typedef struct run {
  workload_fn work;
  long fail_at;        // 0: count only
  long allocations;    // out: allocations seen
  ct_status status;    // out
  double result;       // out
  char message[512];   // out: the error message of the injected run
  ct_status retry;     // out: status of the run without injection that follows
  double retry_result; // out
} run;

static void *run_thread(void *arg) {
  run *r = arg;
  ct_clear_error();
  allocations = 0;
  fail_at = r->fail_at;
  counting = true;
  r->status = r->work(&r->result);
  counting = false;
  r->allocations = allocations;
  snprintf(r->message, sizeof r->message, "%s", ct_last_error());
  ct_clear_error();
  r->retry = r->work(&r->retry_result);
  return NULL;
}

static run run_once(workload_fn work, long fail_at_n) {
  run r = {.work = work, .fail_at = fail_at_n};
  pthread_t thread;
  if (pthread_create(&thread, NULL, run_thread, &r) != 0) {
    fprintf(stderr, "pthread_create failed\n");
    exit(2);
  }
  pthread_join(thread, NULL);
  return r;
}

// Runs `work` failing each allocation in turn; returns the number of failures found.
static int check_workload(const char *name, workload_fn work) {
  run base = run_once(work, 0);
  if (base.status != CT_OK || base.retry != CT_OK || base.result != base.retry_result) {
    fprintf(stderr, "%s: the undisturbed run fails: %s\n", name, base.message);
    return 1;
  }
  int failures = 0;
  long absorbed = 0;
  for (long n = 1; n <= base.allocations; n++) {
    run r = run_once(work, n);
    bool clean_error = r.status == CT_ERR_MEMORY && strstr(r.message, "out of memory");
    bool absorbed_cleanly = r.status == CT_OK && r.result == base.result;
    if (!clean_error && !absorbed_cleanly) {
      fprintf(stderr, "%s: allocation %ld of %ld failed: status %d, message \"%s\"\n", name, n, base.allocations,
              (int)r.status, r.message);
      failures++;
    }
    if (r.retry != CT_OK || r.retry_result != base.result) {
      fprintf(stderr, "%s: after allocation %ld failed, the next run gives status %d, result %.17g (expected %.17g)\n",
              name, n, (int)r.retry, r.retry_result, base.result);
      failures++;
    }
    absorbed += absorbed_cleanly;
  }
  printf("%s: %ld allocations, each failed in turn: %ld clean out-of-memory errors, %ld absorbed, %d problems\n",
         name, base.allocations, base.allocations - absorbed, absorbed, failures);
  return failures;
}

int main(void) {
  snprintf(save_dir, sizeof save_dir, "/tmp/ctorch_alloc_XXXXXX");
  if (!mkdtemp(save_dir)) return 2;
  int failures = check_workload("training_step", training_step) + check_workload("data_pipeline", data_pipeline) +
                 check_workload("recurrent_step", recurrent_step) +
                 check_workload("module_save_load", module_save_load) + check_workload("file_loaders", file_loaders) +
                 check_workload("optimizer_groups", optimizer_groups) +
                 check_workload("pt_and_safetensors", pt_and_safetensors);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", save_dir);
  if (system(cmd) != 0) failures++;
  return failures ? 1 : 0;
}
