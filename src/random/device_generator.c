// Default generators of counter-based devices and the choice of a fill's generator
// (device_generator.h), and torch.cuda's seeding functions (ctorch/device.h).
#include "random/device_generator.h"
#include "core/device.h"
#include "core/error_impl.h"
#include "kernels/dispatch.h"

// A new CUDA generator's seed (c10's default_rng_seed_val); its offset starts at 0.
#define CT_DEFAULT_DEVICE_SEED UINT64_C(67280421310721)

// Guarded by `lock`: seeding and every fill (the kernels advance the offset).
static ct_philox_state states[CT_NUM_DEVICES][CT_MAX_DEVICE_GENERATORS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t states_once = PTHREAD_ONCE_INIT;

static void states_init(void) {
  for (int d = 0; d < CT_NUM_DEVICES; d++)
    for (int i = 0; i < CT_MAX_DEVICE_GENERATORS; i++)
      states[d][i] = (ct_philox_state){CT_DEFAULT_DEVICE_SEED, 0};
}

static bool counter_based(ct_device device) {
  const ct_kernel_table *k = ct__kernels(device);
  return k && k->random && k->random->counter_based;
}

ct_status ct__random_begin(ct_device device, int index, ct_generator *gen, ct_random_lease *lease) {
  if (!counter_based(device)) {
    *lease = (ct_random_lease){.src = ct__random_source(ct__generator_or_default(gen)), .held = NULL};
    return CT_OK;
  }
  if (gen) { // ct_generator is a CPU generator (PyTorch's check_generator)
    return ct__error(CT_ERR_RUNTIME, "Expected a '%s' device type for generator but found 'cpu'",
                     ct_device_name(device));
  }
  if (index < 0 || index >= CT_MAX_DEVICE_GENERATORS)
    return ct__error(CT_ERR_RUNTIME, "no default generator for device index %d", index);
  pthread_once(&states_once, states_init);
  pthread_mutex_lock(&lock);
  *lease = (ct_random_lease){.src = {.state = &states[device][index], .next_u32 = NULL, .normal = NULL},
                             .held = &lock};
  return CT_OK;
}

void ct__random_end(ct_random_lease *lease) {
  if (lease->held) pthread_mutex_unlock(lease->held);
  lease->held = NULL;
}

void ct__device_generators_seed(ct_device device, int index, uint64_t seed) {
  pthread_once(&states_once, states_init);
  pthread_mutex_lock(&lock);
  for (int d = 0; d < CT_NUM_DEVICES; d++)
    for (int i = 0; i < CT_MAX_DEVICE_GENERATORS; i++)
      if ((device == CT_NUM_DEVICES || d == (int)device) && (index < 0 || i == index))
        states[d][i] = (ct_philox_state){.seed = seed, .offset = 0};
  pthread_mutex_unlock(&lock);
}

ct_philox_state ct__device_generator_state(ct_device device, int index) {
  pthread_once(&states_once, states_init);
  pthread_mutex_lock(&lock);
  ct_philox_state s = states[device][index];
  pthread_mutex_unlock(&lock);
  return s;
}

// ---- torch.cuda.manual_seed, manual_seed_all, initial_seed ----
// PyTorch queues the seeding calls until CUDA starts (and never runs them without CUDA);
// here the generators exist from the start, so seeding is immediate and never fails.

void ct_cuda_manual_seed(uint64_t seed) {
  int index = ct__chosen_cuda_device;
  if (index >= 0 && index < CT_MAX_DEVICE_GENERATORS) ct__device_generators_seed(CT_CUDA, index, seed);
}

void ct_cuda_manual_seed_all(uint64_t seed) { ct__device_generators_seed(CT_CUDA, -1, seed); }

uint64_t ct_cuda_initial_seed(void) {
  int index = ct_cuda_current_device(); // starts CUDA, as torch.cuda.initial_seed does
  if (index < 0) return 0;
  if (index >= CT_MAX_DEVICE_GENERATORS) {
    ct__error(CT_ERR_RUNTIME, "no default generator for device index %d", index);
    return 0;
  }
  return ct__device_generator_state(CT_CUDA, index).seed;
}
