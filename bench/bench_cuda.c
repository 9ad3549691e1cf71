// CUDA side of `make bench` (run by bench/run.sh when built with the CUDA backend): the
// training steps of bench_workloads.c on the GPU against ctorch on all CPU cores of the
// same machine, and cuBLAS's sgemm 4096 as a fraction of the GPU's float32 peak.
// Prints `<workload> cuda=<s> cpu_all_cores=<s> speedup=<cpu/cuda>` and
// `sgemm_4096_cuda seconds=<s> tflops=<x> peak_tflops=<y> fraction=<x/y>`; on a machine
// without a usable GPU it says why on stderr and prints nothing.
#define _POSIX_C_SOURCE 200809L
#include <cuda_runtime_api.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <ctorch.h>
#include "bench_timing.h"

extern char **environ;

static ct_device bench_device = CT_CPU; // where the workload under measurement runs

static void fail(const char *what) {
  fprintf(stderr, "bench_cuda: %s failed: %s\n", what, ct_last_error());
  exit(1);
}

// Waits for queued GPU work, so a timing covers the kernels and not only their launch.
static void settle(void) {
  if (bench_device == CT_CUDA && ct_cuda_synchronize(-1) != CT_OK) fail("synchronize");
}

static ct_tensor *on_device(ct_tensor *t) {
  ct_tensor *moved = ct_to_device(t, bench_device, -1);
  if (!moved) fail("moving a tensor");
  return moved;
}

typedef void (*workload_fn)(void *ctx);

// Median over `repeats` of the mean time of `inner` calls, after one warm-up call.
static double median_time(workload_fn fn, void *ctx, int repeats, int inner) {
  double times[64];
  fn(ctx);
  settle();
  for (int r = 0; r < repeats; r++) {
    double t0 = bench_now();
    for (int i = 0; i < inner; i++) fn(ctx);
    settle();
    times[r] = (bench_now() - t0) / inner;
  }
  return bench_median(times, repeats);
}

// ---- mlp784_step: Linear(784,512)-ReLU-Linear(512,512)-ReLU-Linear(512,10), batch 128,
// cross_entropy, Adam ----

typedef struct mlp_setup {
  ct_module *model;
  ct_optimizer *optimizer;
  ct_tensor *x, *target;
} mlp_setup;

static void mlp_step(void *ctx) {
  mlp_setup *m = ctx;
  ct_scope *step = ct_scope_open();
  ct_optimizer_zero_grad(m->optimizer, true);
  ct_tensor *loss = ct_cross_entropy(ct_module_forward(m->model, m->x), m->target, NULL, -100, 0.0, CT_REDUCTION_MEAN);
  if (ct_backward(loss, NULL) != CT_OK || ct_optimizer_step(m->optimizer) != CT_OK) fail("mlp784 step");
  ct_scope_close(step);
}

static double mlp784_step(void) {
  ct_manual_seed(0);
  ct_scope *data = ct_scope_open();
  mlp_setup m = {ct_sequential_new(5, (ct_module *[]){ct_linear_new(784, 512, true), ct_relu_new(),
                                                      ct_linear_new(512, 512, true), ct_relu_new(),
                                                      ct_linear_new(512, 10, true)}),
                 NULL, on_device(ct_randn(CT_SHAPE(128, 784), CT_FLOAT32)),
                 on_device(ct_randint(0, 10, CT_SHAPE(128)))};
  if (ct_module_to(m.model, bench_device, -1) != CT_OK) fail("module_to");
  int n;
  ct_tensor **params = ct_module_parameters(m.model, &n);
  ct_adam_options options = ct_adam_defaults();
  options.lr = 1e-3;
  m.optimizer = ct_adam_new(params, n, options);
  free(params);
  double secs = median_time(mlp_step, &m, 9, 20);
  ct_optimizer_free(m.optimizer);
  ct_module_free(m.model);
  ct_scope_close(data);
  return secs;
}

// ---- conv2d_step: Conv2d(16, 32, 3, padding=1) forward and backward on 32x16x32x32 ----

typedef struct conv_setup {
  ct_module *conv;
  ct_tensor *x, *grad_out;
} conv_setup;

static void conv_step(void *ctx) {
  conv_setup *c = ctx;
  ct_scope *step = ct_scope_open();
  ct_module_zero_grad(c->conv, true);
  ct_set_grad(c->x, NULL);
  if (ct_backward(ct_module_forward(c->conv, c->x), c->grad_out) != CT_OK) fail("conv2d step");
  ct_scope_close(step);
}

static double conv2d_step(void) {
  ct_manual_seed(0);
  ct_scope *data = ct_scope_open();
  ct_conv_options o = ct_conv_defaults();
  o.padding[0] = o.padding[1] = 1;
  conv_setup c = {ct_conv2d_new(16, 32, (const int64_t[]){3, 3}, o),
                  on_device(ct_randn(CT_SHAPE(32, 16, 32, 32), CT_FLOAT32)),
                  on_device(ct_randn(CT_SHAPE(32, 32, 32, 32), CT_FLOAT32))};
  if (ct_module_to(c.conv, bench_device, -1) != CT_OK) fail("module_to");
  ct_set_requires_grad(c.x, true);
  double secs = median_time(conv_step, &c, 15, 5);
  ct_module_free(c.conv);
  ct_scope_close(data);
  return secs;
}

// ---- char_lm_step: the example's training step at batch 64, run as a program ----

static char examples_dir[4096];

// Seconds of `steps` training steps of char_lm on the bench device: its run with them less
// its run without (start-up, data, model, sampling). Negative when it cannot run.
static double char_lm_run(const char *steps) {
  char path[4200];
  snprintf(path, sizeof path, "%s/char_lm", examples_dir);
  char *const argv[] = {path, "--steps", (char *)steps, "--sample", "0", "--device",
                        bench_device == CT_CUDA ? "cuda" : "cpu", NULL};
  posix_spawn_file_actions_t quiet;
  posix_spawn_file_actions_init(&quiet);
  posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
  double t0 = bench_now();
  pid_t pid;
  int status = -1;
  if (posix_spawn(&pid, path, &quiet, NULL, argv, environ) == 0) waitpid(pid, &status, 0);
  posix_spawn_file_actions_destroy(&quiet);
  return status == 0 ? bench_now() - t0 : -1;
}

static double char_lm_step(void) {
  double times[3];
  for (int r = 0; r < 3; r++) {
    double with = char_lm_run("200"), without = char_lm_run("0");
    if (with < 0 || without < 0) return -1;
    times[r] = (with - without) / 200;
  }
  return bench_median(times, 3);
}

// ---- sgemm 4096 on the GPU against its float32 peak ----

// The GPU's float32 peak in TFLOP/s: SMs x float32 lanes per SM x 2 (a fused multiply-add)
// x clock. Lanes per SM by compute capability (CUDA C Programming Guide, "Arithmetic
// Instructions"); 0 when the architecture is not listed.
static double peak_tflops(int device) {
  int sms = 0, khz = 0, major = 0, minor = 0;
  cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device);
  cudaDeviceGetAttribute(&khz, cudaDevAttrClockRate, device);
  cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device);
  cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device);
  int lanes = major == 7 ? 64 : major == 8 ? (minor == 0 ? 64 : 128) : major >= 9 ? 128 : 0;
  return (double)sms * lanes * 2.0 * khz * 1e3 / 1e12;
}

typedef struct gemm_setup {
  ct_tensor *a, *b;
} gemm_setup;

static void gemm_once(void *ctx) {
  gemm_setup *g = ctx;
  ct_scope *s = ct_scope_open();
  if (!ct_matmul(g->a, g->b)) fail("matmul");
  ct_scope_close(s);
}

static void sgemm_4096(void) {
  ct_manual_seed(0);
  ct_scope *data = ct_scope_open();
  gemm_setup g = {on_device(ct_randn(CT_SHAPE(4096, 4096), CT_FLOAT32)),
                  on_device(ct_randn(CT_SHAPE(4096, 4096), CT_FLOAT32))};
  double secs = median_time(gemm_once, &g, 9, 10);
  double tflops = 2.0 * 4096.0 * 4096.0 * 4096.0 / secs / 1e12, peak = peak_tflops(ct_cuda_current_device());
  printf("sgemm_4096_cuda seconds=%.9f tflops=%.2f peak_tflops=%.2f fraction=%.3f\n", secs, tflops, peak,
         peak > 0 ? tflops / peak : 0.0);
  ct_scope_close(data);
}

int main(int argc, char **argv) {
  (void)argc;
  snprintf(examples_dir, sizeof examples_dir, "%s", argv[0]);
  char *slash = strrchr(examples_dir, '/');
  snprintf(slash ? slash + 1 : examples_dir,
           sizeof examples_dir - (size_t)(slash ? slash + 1 - examples_dir : 0), "../examples");
  if (!ct_cuda_is_available()) {
    ct_cuda_init();
    fprintf(stderr, "bench_cuda: skipped, no usable GPU: %s\n", ct_last_error());
    return 0;
  }
  // The CPU side uses every core: ctorch's loops and OpenBLAS (whose thread count the
  // example programs take from OPENBLAS_NUM_THREADS / OMP_NUM_THREADS).
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  char threads[32];
  snprintf(threads, sizeof threads, "%ld", cores);
  setenv("OMP_NUM_THREADS", threads, 1);
  setenv("OPENBLAS_NUM_THREADS", threads, 1);
  ct_set_num_threads((int)cores);
  struct {
    const char *name;
    double (*run)(void);
  } workloads[] = {{"mlp784_step", mlp784_step}, {"conv2d_step", conv2d_step}, {"char_lm_step", char_lm_step}};
  for (size_t i = 0; i < sizeof workloads / sizeof *workloads; i++) {
    bench_device = CT_CUDA;
    double gpu = workloads[i].run();
    bench_device = CT_CPU;
    double cpu = workloads[i].run();
    if (gpu > 0 && cpu > 0)
      printf("%s_cuda cuda=%.9f cpu_all_cores=%.9f speedup=%.2f\n", workloads[i].name, gpu, cpu, cpu / gpu);
    fflush(stdout);
  }
  bench_device = CT_CUDA;
  sgemm_4096();
  return 0;
}
