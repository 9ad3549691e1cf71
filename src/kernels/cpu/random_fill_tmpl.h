// The random fills (kernels/random.h) of one dtype, for random_fill.c. Included once per
// dtype with:
//   T  the element type     SFX  its suffix (b, i32, i64, f32, f64)
//   FLOATING     defined for float32/float64: also the normal fills, from uniform_<SFX>
//                and ct__cpu_box_muller16_<SFX>
//   NARROW_ONLY  defined for int32 and bool: integer draws never take 64 bits
// Raw outputs are taken in chunks of DRAW_CHUNK words, in order.
#define NAME(x) CT_SUFFIXED(x, SFX)

// out = (U < p), U a 53-bit uniform from two outputs.
static void NAME(bernoulli)(void *out_, int64_t n, double p, const ct_random_source *src) {
  T *out = out_;
  uint32_t raw[DRAW_CHUNK];
  for (int64_t i = 0; i < n; i += DRAW_CHUNK / 2) {
    int64_t k = n - i < DRAW_CHUNK / 2 ? n - i : DRAW_CHUNK / 2;
    src->next_u32(src->state, raw, 2 * k);
    for (int64_t j = 0; j < k; j++)
      out[i + j] = (T)(uniform53(raw[2 * j], raw[2 * j + 1]) < p);
  }
}

// out = base + draw % range: a 32-bit draw, or a 64-bit one (two outputs, high first)
// when range needs it and the dtype allows it (PyTorch's uniform_int_from_to_distribution).
static void NAME(integers)(void *out_, int64_t n, uint64_t range, int64_t base, const ct_random_source *src) {
  T *out = out_;
#ifdef NARROW_ONLY
  const int64_t words = 1;
#else
  const int64_t words = range >= (UINT64_C(1) << 32) ? 2 : 1;
#endif
  uint32_t raw[DRAW_CHUNK];
  for (int64_t i = 0; i < n; i += DRAW_CHUNK / words) {
    int64_t k = n - i < DRAW_CHUNK / words ? n - i : DRAW_CHUNK / words;
    src->next_u32(src->state, raw, words * k);
    for (int64_t j = 0; j < k; j++) {
      uint64_t draw = words == 2 ? (uint64_t)raw[2 * j] << 32 | raw[2 * j + 1] : raw[j];
      out[i + j] = (T)(int64_t)(draw % range + (uint64_t)base);
    }
  }
}

#ifdef FLOATING
// PyTorch's normal_distribution<double>: Box-Muller on two 53-bit uniforms, the cosine
// half used now and the sine half cached for the next element (or the next call).
static void NAME(normal)(void *out_, int64_t n, double mean, double std, const ct_random_source *src) {
  T *out = out_;
  ct_normal_cache *cache = src->normal;
  for (int64_t i = 0; i < n; i++) {
    double z;
    if (cache->valid) {
      cache->valid = false;
      z = cache->value;
    } else {
      uint32_t raw[4];
      src->next_u32(src->state, raw, 4);
      double u1 = uniform53(raw[0], raw[1]);
      double u2 = uniform53(raw[2], raw[3]);
      double r = sqrt(-2.0 * log(1.0 - u2));
      double theta = CT_CPU_TWO_PI * u1;
      cache->value = r * sin(theta);
      cache->valid = true;
      z = r * cos(theta);
    }
    out[i] = (T)fma(z, std, mean);
  }
}

// PyTorch's normal_fill: uniforms on [0, 1), then each block of 16 through Box-Muller.
// When n is not a multiple of 16, PyTorch draws 16 fresh uniforms into the last 16
// slots and transforms that window again, overwriting some finished values; so does this.
static void NAME(normal_blocks)(void *out_, int64_t n, double mean, double std, const ct_random_source *src) {
  T *data = out_;
  NAME(uniform)(data, n, 0, 1, src);
  for (int64_t i = 0; i + 16 <= n; i += 16)
    CT_SUFFIXED(ct__cpu_box_muller16, SFX)(data + i, (T)mean, (T)std);
  if (n % 16) {
    T *tail = data + n - 16;
    NAME(uniform)(tail, 16, 0, 1, src);
    CT_SUFFIXED(ct__cpu_box_muller16, SFX)(tail, (T)mean, (T)std);
  }
}
#undef FLOATING
#endif

#undef NARROW_ONLY
#undef NAME
#undef T
#undef SFX
