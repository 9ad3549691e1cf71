// Training checkpoints (ct_save_checkpoint / ct_load_checkpoint): what comes back (model,
// optimizer, scheduler, generators, counters), resuming under a scheduler bit for bit,
// all-or-nothing loading, and crash safety: a writer killed (SIGKILL) at many points of a save leaves either
// the old checkpoint or the new one, whole, never a torn file.
#define _POSIX_C_SOURCE 200809L
#include "unit.h"
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char temp_dir[] = "/tmp/ctorch_test_checkpoint_XXXXXX";

static int make_temp_dir(void **state) {
  (void)state;
  return mkdtemp(temp_dir) ? 0 : -1;
}

// Removes every file in the folder (checkpoints and the temporary files of killed writers).
static int remove_files(void) {
  DIR *d = opendir(temp_dir);
  struct dirent *e;
  char path[300];
  int n = 0;
  while (d && (e = readdir(d)))
    if (e->d_name[0] != '.') {
      snprintf(path, sizeof path, "%s/%s", temp_dir, e->d_name);
      n += unlink(path) == 0;
    }
  if (d) closedir(d);
  return n;
}

static int remove_temp_dir(void **state) {
  (void)state;
  remove_files();
  return rmdir(temp_dir);
}

static const char *temp_path(const char *name) {
  static char path[256];
  snprintf(path, sizeof path, "%s/%s", temp_dir, name);
  return path;
}

static double weight0(ct_module *m) {
  double v = 0;
  assert_int_equal(ct_get(ct_module_parameter(m, "weight"), (int64_t[]){0, 0}, &v), CT_OK);
  return v;
}

// One Adam step on sum(m(x)^2).
static void train_step(ct_module *m, ct_optimizer *opt) {
  ct_scope *s = ct_scope_open();
  ct_tensor *y = ct_module_forward(m, ct_ones(CT_SHAPE(2, 3), CT_FLOAT32));
  assert_int_equal(ct_backward(ct_sum(ct_mul(y, y)), NULL), CT_OK);
  assert_int_equal(ct_optimizer_step(opt), CT_OK);
  ct_optimizer_zero_grad(opt, true);
  ct_scope_close(s);
}

static ct_optimizer *adam_of(ct_module *m) {
  int n = 0;
  ct_tensor **params = ct_module_parameters(m, &n);
  ct_optimizer *opt = ct_adam_new(params, n, ct_adam_defaults());
  free(params);
  return opt;
}

// Save after 2 steps, take 3 more; loading puts model, optimizer and generators back, and
// the 3 steps replay to the same weights.
static void test_round_trip(void **state) {
  (void)state;
  ct_manual_seed(3);
  ct_module *m = ct_linear_new(3, 2, true);
  ct_optimizer *opt = adam_of(m);
  ct_generator *loader_gen = ct_generator_manual_seed(ct_generator_new(), 11);
  train_step(m, opt);
  train_step(m, opt);
  ct_lr_scheduler *sched = ct_step_lr_new(opt, 2, 0.5);
  ct_lr_scheduler_step(sched);
  ct_lr_scheduler_step(sched);
  ct_checkpoint c = {.model = m,
                     .optimizer = opt,
                     .loader_generator = loader_gen,
                     .scheduler = sched,
                     .epoch = 2,
                     .step = 20};
  assert_int_equal(ct_save_checkpoint(temp_path("c.pt"), &c), CT_OK);
  ct_lr_scheduler_free(sched);
  uint32_t draw = ct_generator_random(loader_gen);
  ct_scope *s = ct_scope_open();
  double r1 = 0;
  ct_item(ct_rand(CT_SHAPE(1), CT_FLOAT64), &r1);
  for (int i = 0; i < 3; i++)
    train_step(m, opt);
  double after = weight0(m);
  ct_scope_close(s);

  ct_manual_seed(99); // elsewhere
  ct_generator_manual_seed(loader_gen, 5);
  ct_module *m2 = ct_linear_new(3, 2, true);
  ct_optimizer *opt2 = adam_of(m2);
  ct_lr_scheduler *sched2 = ct_step_lr_new(opt2, 2, 0.5);
  ct_checkpoint back = {.model = m2, .optimizer = opt2, .loader_generator = loader_gen, .scheduler = sched2};
  assert_int_equal(ct_load_checkpoint(temp_path("c.pt"), &back), CT_OK);
  assert_int_equal(back.epoch, 2);
  assert_int_equal(back.step, 20);
  assert_int_equal(ct_lr_scheduler_last_epoch(sched2), 2);
  assert_true(ct_optimizer_get_lr(opt2) == 0.0005); // StepLR halved Adam's 1e-3 at epoch 2
  ct_lr_scheduler_free(sched2);
  assert_int_equal(ct_generator_random(loader_gen), draw);
  s = ct_scope_open();
  double r2 = 0;
  ct_item(ct_rand(CT_SHAPE(1), CT_FLOAT64), &r2);
  assert_true(r1 == r2);
  for (int i = 0; i < 3; i++)
    train_step(m2, opt2);
  assert_true(weight0(m2) == after);
  ct_scope_close(s);
  ct_optimizer_free(opt);
  ct_optimizer_free(opt2);
  ct_module_free(m);
  ct_module_free(m2);
  ct_generator_free(loader_gen);
  remove_files();
}

// A model that refuses the checkpoint's state dict (other names) after its optimizer took
// the optimizer state leaves both as they were.
static void test_all_or_nothing(void **state) {
  (void)state;
  ct_manual_seed(1);
  ct_module *m = ct_linear_new(3, 2, true);
  ct_optimizer *opt = adam_of(m);
  train_step(m, opt);
  ct_checkpoint c = {.model = m, .optimizer = opt, .epoch = 1};
  assert_int_equal(ct_save_checkpoint(temp_path("c.pt"), &c), CT_OK);
  // Same parameter shapes, other names ("0.weight"): the optimizer state fits, the model's does not.
  ct_module *seq = ct_sequential_new(1, (ct_module *[]){ct_linear_new(3, 2, true)});
  ct_optimizer *opt2 = adam_of(seq);
  double w = weight0(ct_module_child(seq, 0));
  ct_checkpoint back = {.model = seq, .optimizer = opt2};
  ct_clear_error();
  assert_int_not_equal(ct_load_checkpoint(temp_path("c.pt"), &back), CT_OK);
  assert_non_null(strstr(ct_last_error(), "Missing key(s) in state_dict: \"0.weight\""));
  assert_true(weight0(ct_module_child(seq, 0)) == w);
  ct_optim_state *after = ct_optimizer_state_dict(opt2);
  assert_int_equal(ct_optim_state_len(after), 0); // never stepped, and still so
  ct_optim_state_free(after);
  ct_optimizer_free(opt);
  ct_optimizer_free(opt2);
  ct_module_free(m);
  ct_module_free(seq);
  remove_files();
}

// A run that trains `steps` steps under a scheduler, from a fresh model (seed 5) or, with
// `resume`, from the checkpoint. Each kind is an optimizer and a scheduler that keep state
// of their own: NAdam over two groups under OneCycleLR (which also cycles the betas),
// RMSprop (an int step) under SequentialLR(LinearLR, CosineAnnealingLR).
typedef struct run {
  ct_module *model;
  ct_optimizer *opt;
  ct_lr_scheduler *sched;
} run;

static run start_run(int kind) {
  ct_manual_seed(5);
  run r = {.model = ct_linear_new(3, 2, true)};
  ct_tensor *w = ct_module_parameter(r.model, "weight"), *b = ct_module_parameter(r.model, "bias");
  if (kind == 0) {
    r.opt = ct_nadam_new(&w, 1, ct_nadam_defaults());
    const ct_group_option lr = {.key = "lr", .value = 0.01};
    assert_int_equal(ct_optimizer_add_param_group(r.opt, &b, 1, &lr, 1), CT_OK);
    r.sched = ct_one_cycle_lr_new(r.opt, ct_one_cycle_defaults(0.05, 12));
  } else {
    ct_rmsprop_options o = ct_rmsprop_defaults();
    o.momentum = 0.5;
    r.opt = ct_rmsprop_new((ct_tensor *[]){w, b}, 2, o);
    ct_lr_scheduler *parts[] = {ct_linear_lr_new(r.opt, 0.25, 1.0, 3),
                                ct_cosine_annealing_lr_new(r.opt, 6, 1e-4)};
    r.sched = ct_sequential_lr_new(r.opt, parts, 2, (int64_t[]){3}, 1);
  }
  assert_non_null(r.opt);
  assert_non_null(r.sched);
  return r;
}

static void run_steps(run *r, int steps) {
  for (int i = 0; i < steps; i++) {
    train_step(r->model, r->opt);
    assert_int_equal(ct_lr_scheduler_step(r->sched), CT_OK);
  }
}

static void end_run(run *r) {
  ct_lr_scheduler_free(r->sched);
  ct_optimizer_free(r->opt);
  ct_module_free(r->model);
}

// The bytes of every parameter and of the optimizer's and the scheduler's state.
static void same_run(run *a, run *b) {
  for (int i = 0; i < ct_optimizer_num_params(a->opt); i++) {
    ct_tensor *p = ct_optimizer_param(a->opt, i), *q = ct_optimizer_param(b->opt, i);
    assert_memory_equal(ct_data_ptr(p), ct_data_ptr(q), (size_t)ct_numel(p) * sizeof(float));
  }
  ct_value *va = ct_optimizer_state_value(a->opt), *vb = ct_optimizer_state_value(b->opt);
  ct_value *sa = ct_lr_scheduler_state_value(a->sched), *sb = ct_lr_scheduler_state_value(b->sched);
  void *ba = NULL, *bb = NULL;
  size_t na = 0, nb = 0;
  ct_value *both_a = ct_value_list(), *both_b = ct_value_list();
  ct_value_append(both_a, va), ct_value_append(both_a, sa);
  ct_value_append(both_b, vb), ct_value_append(both_b, sb);
  assert_int_equal(ct_save_pt_buffer(both_a, &ba, &na), CT_OK);
  assert_int_equal(ct_save_pt_buffer(both_b, &bb, &nb), CT_OK);
  assert_int_equal(na, nb);
  assert_memory_equal(ba, bb, na);
  free(ba);
  free(bb);
  ct_value_free(both_a);
  ct_value_free(both_b);
}

// N steps, save, resume in a fresh run, M steps: the same bytes as N + M steps straight.
static void test_resume_with_scheduler(void **state) {
  (void)state;
  enum { N = 4, M = 5 };
  for (int kind = 0; kind < 2; kind++) {
    run straight = start_run(kind);
    run_steps(&straight, N + M);
    run first = start_run(kind);
    run_steps(&first, N);
    ct_checkpoint c = {.model = first.model, .optimizer = first.opt, .scheduler = first.sched, .step = N};
    assert_int_equal(ct_save_checkpoint(temp_path("s.pt"), &c), CT_OK);
    end_run(&first);
    run resumed = start_run(kind);
    ct_manual_seed(77); // elsewhere: the checkpoint puts the generator back
    ct_checkpoint back = {.model = resumed.model, .optimizer = resumed.opt, .scheduler = resumed.sched};
    assert_int_equal(ct_load_checkpoint(temp_path("s.pt"), &back), CT_OK);
    assert_int_equal(back.step, N);
    run_steps(&resumed, M);
    same_run(&straight, &resumed);
    end_run(&straight);
    end_run(&resumed);
  }
  remove_files();
}

// A scheduler that refuses the checkpoint's scheduler state (another kind) leaves the
// scheduler, the optimizer and the model as they were; so does a checkpoint without one.
static void test_scheduler_refused(void **state) {
  (void)state;
  run a = start_run(0);
  run_steps(&a, 2);
  ct_checkpoint c = {.model = a.model, .optimizer = a.opt, .scheduler = a.sched};
  assert_int_equal(ct_save_checkpoint(temp_path("s.pt"), &c), CT_OK);
  c.scheduler = NULL;
  assert_int_equal(ct_save_checkpoint(temp_path("none.pt"), &c), CT_OK);
  run b = start_run(0);
  ct_lr_scheduler_free(b.sched);
  b.sched = ct_step_lr_new(b.opt, 2, 0.5);
  ct_checkpoint back = {.model = b.model, .optimizer = b.opt, .scheduler = b.sched};
  assert_int_not_equal(ct_load_checkpoint(temp_path("s.pt"), &back), CT_OK);
  assert_non_null(strstr(ct_last_error(), "scheduler state has key 'total_steps'"));
  assert_int_not_equal(ct_load_checkpoint(temp_path("none.pt"), &back), CT_OK);
  assert_non_null(strstr(ct_last_error(), "it holds no scheduler state"));
  assert_int_equal(ct_lr_scheduler_last_epoch(b.sched), 0);
  ct_optim_state *st = ct_optimizer_state_dict(b.opt);
  assert_int_equal(ct_optim_state_len(st), 0);
  ct_optim_state_free(st);
  end_run(&a);
  end_run(&b);
  remove_files();
}

// SIGKILL at K points spread over a save (and a little beyond): each time the file loads
// whole, as the old checkpoint (epoch 1) or the new one (epoch 2).
static void test_killed_writer(void **state) {
  (void)state;
  ct_manual_seed(0);
  ct_module *m = ct_linear_new(256, 256, true); // 256 KiB of weights: a save takes a while
  const char *path = temp_path("ckpt.pt");
  ct_checkpoint old = {.model = m, .epoch = 1}, fresh = {.model = m, .epoch = 2};
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  assert_int_equal(ct_save_checkpoint(path, &fresh), CT_OK);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long save_us = (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000 + 1;
  enum { K = 60 };
  int seen[3] = {0};
  for (int k = 0; k <= K; k++) {
    assert_int_equal(ct_save_checkpoint(path, &old), CT_OK);
    fflush(NULL);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) { // the writer: one save of the new checkpoint
      ct_save_checkpoint(path, &fresh);
      _exit(0);
    }
    long delay_us = save_us * k * 3 / K; // 0 .. 3 save times (the child starts late: fork)
    struct timespec d = {delay_us / 1000000L, (delay_us % 1000000L) * 1000L};
    nanosleep(&d, NULL);
    kill(child, SIGKILL);
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    ct_checkpoint got = {.model = m};
    assert_int_equal(ct_load_checkpoint(path, &got), CT_OK);
    assert_true(got.epoch == 1 || got.epoch == 2);
    seen[got.epoch]++;
    remove_files(); // with the killed writer's temporary file, if any
  }
  print_message("killed writer: %d old, %d new checkpoints after %d kills (save: %ld us)\n", seen[1], seen[2],
                K + 1, save_us);
  assert_true(seen[1] > 0); // the kills did land before the rename
  ct_module_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_all_or_nothing),
      cmocka_unit_test(test_resume_with_scheduler),
      cmocka_unit_test(test_scheduler_refused),
      cmocka_unit_test(test_killed_writer),
  };
  return cmocka_run_group_tests(tests, make_temp_dir, remove_temp_dir);
}
