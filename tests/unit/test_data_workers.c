// DataLoader num_workers: background threads must give exactly the batches, in the order,
// of num_workers = 0 (the same draws from the generators), stop cleanly when a loop stops
// early or the loader is freed mid-epoch (every thread joined: the process's thread count
// comes back), and report a failing callback as CT_BATCH_ERROR with its message. Run under
// ASan/LSan (make sanitize) these also check that nothing leaks; a TSan build checks the
// hand-over of tensors between threads.
#include "unit.h"
#include <stdio.h>
#include <string.h>

// Threads of this process (/proc/self/status), -1 if unreadable.
static int thread_count(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  int n = -1;
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "Threads: %d", &n) == 1) break;
  if (f) fclose(f);
  return n;
}

enum { SAMPLES = 23, WIDTH = 3 };

static int threads_at_rest; // the process's threads when no loader runs (see warm_up)

// Features [SAMPLES, WIDTH] = arange, labels [SAMPLES] = 2 i.
static ct_dataset *make_dataset(void) {
  ct_tensor *features = ct_view(ct_arange(0, SAMPLES * WIDTH, 1, CT_FLOAT32), CT_SHAPE(SAMPLES, WIDTH));
  ct_tensor *labels = ct_arange(0, 2 * SAMPLES, 2, CT_INT64);
  return ct_tensor_dataset_new(2, (ct_tensor *[]){features, labels});
}

// All batches of `epochs` epochs as a flat list of labels with -1 after each batch, and
// -2 after each epoch; returns the count written.
static int collect(ct_dataloader *loader, int epochs, int64_t *out, int cap) {
  int n = 0;
  for (int e = 0; e < epochs; e++) {
    assert_int_equal(ct_dataloader_start_epoch(loader), CT_OK);
    for (;;) {
      ct_scope *step = ct_scope_open();
      ct_batch batch;
      ct_batch_result got = ct_dataloader_next(loader, &batch);
      if (got != CT_BATCH_READY) {
        assert_int_equal(got, CT_BATCH_END);
        ct_scope_close(step);
        break;
      }
      assert_int_equal(batch.count, 2);
      int64_t rows = ct_size(batch.fields[0], 0);
      assert_int_equal(ct_size(batch.fields[1], 0), rows);
      int64_t labels[SAMPLES];
      assert_int_equal(ct_to_i64_array(batch.fields[1], labels), CT_OK);
      for (int64_t r = 0; r < rows; r++) {
        double first;
        assert_int_equal(ct_get(batch.fields[0], (int64_t[]){r, 0}, &first), CT_OK);
        assert_true(first == (double)(labels[r] / 2 * WIDTH)); // the row and its label agree
        assert_true(n < cap);
        out[n++] = labels[r];
      }
      assert_true(n < cap);
      out[n++] = -1;
      ct_scope_close(step);
    }
    assert_true(n < cap);
    out[n++] = -2;
  }
  return n;
}

// The batches of a seeded run, and where it leaves the default generator.
static int seeded_run(int workers, int prefetch, bool shuffle, ct_sampler *(*make_sampler)(const ct_dataset *),
                      int64_t *out, int cap, uint32_t *after) {
  ct_manual_seed(5);
  ct_dataset *ds = make_dataset();
  ct_sampler *sampler = make_sampler ? make_sampler(ds) : NULL;
  ct_dataloader *loader = ct_dataloader_new(ds, (ct_dataloader_options){.batch_size = 4, .shuffle = shuffle,
                                                                        .sampler = sampler, .num_workers = workers,
                                                                        .prefetch_factor = prefetch});
  assert_non_null(loader);
  int n = collect(loader, 3, out, cap);
  *after = ct_generator_random(NULL);
  ct_dataloader_free(loader);
  ct_sampler_free(sampler);
  ct_tensor_dataset_free(ds);
  return n;
}

static ct_sampler *with_replacement(const ct_dataset *ds) { return ct_random_sampler_new(ds, true, 40, NULL); }

static void test_workers_give_the_batches_of_no_workers(void **state) {
  (void)state;
  int before = threads_at_rest;
  ct_sampler *(*samplers[])(const ct_dataset *) = {NULL, with_replacement};
  for (int k = 0; k < 2; k++) {
    for (int shuffle = 0; shuffle <= (k == 0); shuffle++) {
      int64_t want[512], got[512];
      uint32_t want_after, got_after;
      int n = seeded_run(0, 0, shuffle, samplers[k], want, 512, &want_after);
      for (int workers = 1; workers <= 3; workers++) {
        for (int prefetch = 1; prefetch <= 3; prefetch += 2) {
          int m = seeded_run(workers, prefetch, shuffle, samplers[k], got, 512, &got_after);
          assert_int_equal(m, n);
          assert_memory_equal(got, want, (size_t)n * sizeof *want);
          assert_int_equal(got_after, want_after);
        }
      }
    }
  }
  assert_int_equal(thread_count(), before);
}

// Stopping after two batches, then running whole epochs: the new epoch is the one an
// uninterrupted loader gives after the same draws; the abandoned workers are gone.
static void test_early_stop_then_new_epoch(void **state) {
  (void)state;
  int before = threads_at_rest;
  int64_t want[256], got[256];
  for (int workers = 0; workers <= 2; workers += 2) {
    ct_manual_seed(9);
    ct_dataset *ds = make_dataset();
    ct_dataloader *loader = ct_dataloader_new(
        ds, (ct_dataloader_options){.batch_size = 5, .shuffle = true, .num_workers = workers});
    ct_scope *s = ct_scope_open();
    ct_batch batch;
    assert_int_equal(ct_dataloader_next(loader, &batch), CT_BATCH_READY);
    assert_int_equal(ct_dataloader_next(loader, &batch), CT_BATCH_READY);
    ct_scope_close(s);
    if (workers) assert_int_equal(thread_count(), before + workers);
    int n = collect(loader, 2, workers ? got : want, 256);
    assert_int_equal(thread_count(), before); // the epoch ended: its workers stopped
    if (workers) assert_memory_equal(got, want, (size_t)n * sizeof *want);
    ct_dataloader_free(loader);
    ct_tensor_dataset_free(ds);
  }
}

static void test_free_mid_epoch(void **state) {
  (void)state;
  int before = threads_at_rest;
  for (int taken = 0; taken <= 3; taken++) {
    ct_dataset *ds = make_dataset();
    ct_dataloader *loader = ct_dataloader_new(
        ds, (ct_dataloader_options){.batch_size = 2, .shuffle = true, .num_workers = 3, .prefetch_factor = 4});
    assert_int_equal(ct_dataloader_start_epoch(loader), CT_OK);
    ct_scope *s = ct_scope_open();
    ct_batch batch;
    for (int i = 0; i < taken; i++) assert_int_equal(ct_dataloader_next(loader, &batch), CT_BATCH_READY);
    ct_dataloader_free(loader); // the batches prepared and not taken are dropped
    if (taken) assert_true(ct_size(batch.fields[0], 0) == 2); // a taken batch stays the caller's
    ct_scope_close(s);
    ct_tensor_dataset_free(ds);
    assert_int_equal(thread_count(), before);
  }
}

// Sample i is [i]; sample `fail_at` fails with a message of its own.
typedef struct failing {
  int64_t fail_at;
  bool leave_scope_open;
} failing;

static int64_t failing_length(void *ctx) {
  (void)ctx;
  return 10;
}

static ct_status failing_item(void *ctx, int64_t index, ct_batch *sample) {
  const failing *f = ctx;
  if (index == f->fail_at) {
    if (f->leave_scope_open) {
      (void)ct_scope_open();
    } else {
      return ct_zeros(CT_SHAPE(-3), CT_FLOAT32) ? CT_OK : ct_last_status();
    }
  }
  sample->count = 1;
  sample->fields[0] = ct_scalar((double)index, CT_INT64);
  return CT_OK;
}

static void test_error_in_a_worker(void **state) {
  (void)state;
  for (int open_scope = 0; open_scope <= 1; open_scope++) {
    failing f = {.fail_at = 6, .leave_scope_open = open_scope};
    ct_dataset ds = {.ctx = &f, .length = failing_length, .get_item = failing_item};
    ct_dataloader *loader = ct_dataloader_new(&ds, (ct_dataloader_options){.batch_size = 3, .num_workers = 2});
    const ct_batch_result want[] = {CT_BATCH_READY, CT_BATCH_READY, CT_BATCH_ERROR, CT_BATCH_READY, CT_BATCH_END};
    for (int b = 0; b < 5; b++) {
      ct_scope *s = ct_scope_open();
      ct_batch batch;
      ct_clear_error();
      ct_batch_result got = ct_dataloader_next(loader, &batch);
      assert_int_equal(got, want[b]);
      if (got == CT_BATCH_ERROR) {
        tu_assert_contains(ct_last_error(),
                           open_scope ? "opened inside this one was still open"
                                      : "Trying to create tensor with negative dimension -3: [-3]");
        assert_int_equal(batch.count, 0);
      } else if (got == CT_BATCH_READY) {
        double first;
        assert_int_equal(ct_get(batch.fields[0], (int64_t[]){0}, &first), CT_OK);
        assert_true(first == 3 * b);
      }
      ct_scope_close(s);
    }
    ct_dataloader_free(loader);
  }
}

// A collate that hands back a view of the dataset's tensor: the worker copies it, so the
// main thread's batch shares nothing with the dataset.
static ct_status first_sample(void *ctx, const ct_batch *samples, int n, ct_batch *batch) {
  (void)ctx;
  (void)n;
  *batch = samples[0];
  return CT_OK;
}

static void test_view_batches_are_copied(void **state) {
  (void)state;
  ct_dataset *ds = make_dataset();
  ct_dataloader *loader =
      ct_dataloader_new(ds, (ct_dataloader_options){.collate = first_sample, .num_workers = 2});
  for (int64_t i = 0;; i++) {
    ct_scope *s = ct_scope_open();
    ct_batch batch;
    ct_batch_result got = ct_dataloader_next(loader, &batch);
    if (got == CT_BATCH_END) {
      ct_scope_close(s);
      assert_int_equal(i, SAMPLES);
      break;
    }
    assert_int_equal(got, CT_BATCH_READY);
    int64_t label;
    assert_int_equal(ct_item_int(batch.fields[1], &label), CT_OK);
    assert_int_equal(label, 2 * i);
    assert_non_null(ct_mul_scalar_(batch.fields[0], 0)); // writes the copy, not the dataset
    ct_scope_close(s);
  }
  ct_scope *s = ct_scope_open();
  ct_batch sample;
  assert_int_equal(ds->get_item(ds->ctx, SAMPLES - 1, &sample), CT_OK);
  double last;
  assert_int_equal(ct_get(sample.fields[0], (int64_t[]){WIDTH - 1}, &last), CT_OK);
  assert_true(last == SAMPLES * WIDTH - 1);
  ct_scope_close(s);
  ct_dataloader_free(loader);
  ct_tensor_dataset_free(ds);
}

// Runs one epoch with a worker before the tests count threads: a sanitizer runtime starts
// a thread of its own at the first pthread_create.
static int warm_up(void **state) {
  (void)state;
  ct_dataset *ds = make_dataset();
  ct_dataloader *loader = ct_dataloader_new(ds, (ct_dataloader_options){.batch_size = 8, .num_workers = 1});
  ct_scope *s = ct_scope_open();
  ct_batch batch;
  while (ct_dataloader_next(loader, &batch) == CT_BATCH_READY) continue;
  ct_scope_close(s);
  ct_dataloader_free(loader);
  ct_tensor_dataset_free(ds);
  threads_at_rest = thread_count();
  return threads_at_rest > 0 ? 0 : -1;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_workers_give_the_batches_of_no_workers),
      cmocka_unit_test(test_early_stop_then_new_epoch),
      cmocka_unit_test(test_free_mid_epoch),
      cmocka_unit_test(test_error_in_a_worker),
      cmocka_unit_test(test_view_batches_are_copied),
  };
  return cmocka_run_group_tests(tests, warm_up, NULL);
}
