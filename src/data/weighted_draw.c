// WeightedRandomSampler's draw: PyTorch 1.13 calls torch.multinomial(weights as float64,
// num_samples, replacement, generator), so the sampler's float64 weights go through
// ct_multinomial_gen (src/random/multinomial.c): the same checks, messages and draws.
#include <string.h>
#include "ctorch/creation.h"
#include "ctorch/sampling.h"
#include "ctorch/scope.h"
#include "ctorch/tensor.h"
#include "data/sampler_impl.h"

ct_status ct__weighted_draw(const double *w, int64_t n, int64_t num_samples, bool replacement, ct_generator *gen,
                            int64_t *out) {
  ct_scope *scope = ct_scope_open(); // the weights tensor and the drawn indices
  if (!scope) return ct_last_status();
  ct_tensor *weights = ct_tensor_from_f64(w, 1, &n);
  ct_tensor *drawn = weights ? ct_multinomial_gen(weights, num_samples, replacement, gen) : NULL;
  ct_status st = drawn ? ct_to_i64_array(drawn, out) : ct_last_status();
  ct_scope_close(scope);
  return st;
}
