// Exponential draws and multinomial sampling (kernels/random.h) of one floating dtype, for
// random_sampling.c. Included once per dtype with T (float or double) and SFX (f32, f64).
#define NAME(x) CT_SUFFIXED(x, SFX)

void NAME(ct__cpu_exponential)(void *out_, int64_t n, double lambda, const ct_random_source *src) {
  T *out = out_;
  uint32_t raw[DRAW_CHUNK];
  for (int64_t i = 0; i < n; i += DRAW_CHUNK / 2) {
    int64_t k = n - i < DRAW_CHUNK / 2 ? n - i : DRAW_CHUNK / 2;
    src->next_u32(src->state, raw, 2 * k);
    for (int64_t j = 0; j < k; j++) out[i + j] = (T)(-1.0 / lambda * log(1.0 - uniform53(raw[2 * j], raw[2 * j + 1])));
  }
}

int NAME(ct__cpu_multinomial)(int64_t *out, const void *probs_, int64_t n_dist, int64_t n_cat, int64_t row_stride,
                              int64_t col_stride, int64_t n_sample, void *cum_, const ct_random_source *src) {
  const T *probs = probs_;
  T *cum = cum_;
  for (int64_t i = 0; i < n_dist; i++) {
    T sum = 0;
    for (int64_t j = 0; j < n_cat; j++) {
      T v = probs[i * row_stride + j * col_stride];
      if (!(v >= 0)) return 1; // NaN too, as PyTorch checks v >= 0 first
      if (!isfinite(v)) return 2;
      sum += v;
      cum[j] = sum;
    }
    if (!(sum > 0)) return 3;
    for (int64_t j = 0; j < n_cat; j++) cum[j] /= sum;
    for (int64_t s = 0; s < n_sample; s++) {
      uint32_t raw[2];
      src->next_u32(src->state, raw, 2);
      double u = uniform53(raw[0], raw[1]);
      cum[n_cat - 1] = 1; // the last bucket ends at 1 exactly
      int64_t left = 0, right = n_cat;
      while (right - left > 0) {
        int64_t mid = left + (right - left) / 2;
        if (cum[mid] < u) left = mid + 1;
        else right = mid;
      }
      out[i * n_sample + s] = left;
    }
  }
  return 0;
}

// Larger q first, then lower index.
static int NAME(by_q_desc)(const void *a, const void *b, void *q_) {
  const T *q = q_;
  int64_t i = *(const int64_t *)a, j = *(const int64_t *)b;
  if (q[i] > q[j]) return -1;
  if (q[i] < q[j]) return 1;
  return (i > j) - (i < j);
}

void NAME(ct__cpu_multinomial_pick)(int64_t *out, const void *p_, void *q_, int64_t n_dist, int64_t n_cat, int64_t k) {
  const T *p = p_;
  T *q = q_;
  int64_t *order = k > 1 ? malloc((size_t)n_cat * sizeof *order) : NULL;
  for (int64_t i = 0; i < n_dist; i++) {
    T *row = q + i * n_cat;
    for (int64_t j = 0; j < n_cat; j++) row[j] = p[i * n_cat + j] / row[j];
    if (k == 1 || !order) { // argmax (the first largest) k times; picked ones marked -1
      for (int64_t s = 0; s < k; s++) {
        int64_t best = -1;
        for (int64_t j = 0; j < n_cat; j++)
          if (row[j] >= 0 && (best < 0 || row[j] > row[best])) best = j;
        out[i * k + s] = best < 0 ? 0 : best;
        if (best >= 0) row[best] = -1;
      }
      continue;
    }
    for (int64_t j = 0; j < n_cat; j++) order[j] = j;
    qsort_r(order, (size_t)n_cat, sizeof *order, NAME(by_q_desc), row);
    memcpy(out + i * k, order, (size_t)k * sizeof *order);
  }
  free(order);
}

#undef NAME
#undef T
#undef SFX
