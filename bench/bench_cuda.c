// CUDA side of `make bench` (run by bench/run.sh when built with the CUDA backend): the
// training steps of bench_workloads.c (bench_steps.h) on the GPU against ctorch on all
// CPU cores of the same machine, and cuBLAS's sgemm 4096 as a fraction of the GPU's
// float32 peak. Prints `<workload>_cuda cuda=<s> cpu_all_cores=<s> speedup=<cpu/cuda>` and
// `sgemm_4096_cuda seconds=<s> tflops=<x> peak_tflops=<y> fraction=<x/y>`; on a machine
// without a usable GPU it says why on stderr and prints nothing.
#define _POSIX_C_SOURCE 200809L
#include "bench_steps.h"
#include <cuda_runtime_api.h>
#include <unistd.h>

static ct_device bench_device = CT_CPU; // where the workload under measurement runs

static void fail(const char *what) {
  fprintf(stderr, "bench_cuda: %s failed: %s\n", what, ct_last_error());
  exit(1);
}

static void synchronize(void) {
  if (ct_cuda_synchronize(-1) != CT_OK) fail("synchronize");
}

static ct_tensor *on_device(ct_tensor *t) {
  ct_tensor *moved = ct_to_device(t, bench_device, -1);
  if (!moved) fail("moving a tensor");
  return moved;
}

static double mlp784_step(void) {
  ct_manual_seed(0);
  ct_scope *data = ct_scope_open();
  ct_tensor *x = on_device(ct_randn(CT_SHAPE(128, 784), CT_FLOAT32));
  ct_tensor *target = on_device(ct_randint(0, 10, CT_SHAPE(128)));
  ct_module *model = mlp784_model();
  if (ct_module_to(model, bench_device, -1) != CT_OK) fail("module_to");
  double secs = time_training(model, x, target, true, 1e-3, 9, 20);
  ct_module_free(model);
  ct_scope_close(data);
  return secs;
}

static double conv2d_step(void) {
  ct_manual_seed(0);
  ct_scope *data = ct_scope_open();
  conv_setup c = conv2d_setup(on_device);
  if (ct_module_to(c.conv, bench_device, -1) != CT_OK) fail("module_to");
  double secs = median_time(conv_step, &c, 15, 5);
  ct_module_free(c.conv);
  ct_scope_close(data);
  return secs;
}

static double char_lm_step(void) { return char_lm_step_on(bench_device == CT_CUDA ? "cuda" : "cpu"); }

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
  bench_find_examples(argv[0]);
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
  } workloads[] = {
      {"mlp784_step", mlp784_step}, {"conv2d_step", conv2d_step}, {"char_lm_step", char_lm_step}};
  for (size_t i = 0; i < sizeof workloads / sizeof *workloads; i++) {
    bench_device = CT_CUDA, bench_settle = synchronize;
    double gpu = workloads[i].run();
    bench_device = CT_CPU, bench_settle = NULL;
    double cpu = workloads[i].run();
    if (gpu > 0 && cpu > 0)
      printf("%s_cuda cuda=%.9f cpu_all_cores=%.9f speedup=%.2f\n", workloads[i].name, gpu, cpu, cpu / gpu);
    fflush(stdout);
  }
  bench_device = CT_CUDA, bench_settle = synchronize;
  sgemm_4096();
  return 0;
}
