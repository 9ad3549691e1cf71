// Reductions over 256-bit vector lanes as PyTorch's AVX2 kernels compute them (ATen's
// vec::reduce_all / map2_reduce_all and utils::RowwiseMoments), for the norm kernels.
// Lanes are plain arrays; the loops follow ATen's order of operations, with fused
// multiply-adds (FMA) where PyTorch's compiled kernels have them (measured against it:
// its map-reduce sums fuse, its Welford updates do not). Included once per floating
// dtype with:
//   T  the element type     SFX  its suffix (f32, f64)     FMA  its fused multiply-add
#define NAME(x) CT_SUFFIXED(x, SFX)
#define LANES ((int64_t)(32 / sizeof(T)))

/// ATen's vec_reduce_all(+) of a full vector: float32 halves added pairwise (its AVX2
/// shuffles), float64 lanes left to right.
static inline T NAME(lanes_total)(const T *v) {
  if (sizeof(T) == sizeof(double)) {
    T acc = v[0];
    for (int64_t l = 1; l < LANES; l++) acc = acc + v[l];
    return acc;
  }
  T h[LANES];
  for (int64_t l = 0; l < LANES; l++) h[l] = v[l];
  for (int64_t width = LANES / 2; width >= 1; width /= 2)
    for (int64_t l = 0; l < width; l++) h[l] = h[l] + h[l + width];
  return h[0];
}

/// The first `count` lanes added left to right (vec_reduce_all of a partial vector).
static inline T NAME(lanes_prefix_total)(const T *v, int64_t count) {
  T acc = count > 0 ? v[0] : 0;
  for (int64_t l = 1; l < count; l++) acc = acc + v[l];
  return acc;
}

/// vec::reduce_all(+, v, size): lane-wise sums over vector blocks, the tail into the
/// first lanes, then the lanes.
static inline T NAME(vec_sum)(const T *v, int64_t size) {
  if (size < LANES) return NAME(lanes_prefix_total)(v, size);
  T acc[LANES];
  for (int64_t l = 0; l < LANES; l++) acc[l] = v[l];
  int64_t d = LANES;
  for (; d < size - size % LANES; d += LANES)
    for (int64_t l = 0; l < LANES; l++) acc[l] = acc[l] + v[d + l];
  for (int64_t l = 0; l < size - d; l++) acc[l] = acc[l] + v[d + l];
  return NAME(lanes_total)(acc);
}

/// vec::map2_reduce_all of (a - shift) * b with +, the product fused into the sum.
static inline T NAME(vec_dot_shifted)(const T *a, T shift, const T *b, int64_t size) {
  T acc[LANES];
  if (size < LANES) {
    for (int64_t l = 0; l < size; l++) acc[l] = (a[l] - shift) * b[l];
    return NAME(lanes_prefix_total)(acc, size);
  }
  for (int64_t l = 0; l < LANES; l++) acc[l] = (a[l] - shift) * b[l];
  int64_t d = LANES;
  for (; d < size - size % LANES; d += LANES)
    for (int64_t l = 0; l < LANES; l++) acc[l] = FMA(a[d + l] - shift, b[d + l], acc[l]);
  for (int64_t l = 0; l < size - d; l++) acc[l] = FMA(a[d + l] - shift, b[d + l], acc[l]);
  return NAME(lanes_total)(acc);
}

/// vec::map3_reduce_all of a * b * c with +, the last product fused into the sum.
static inline T NAME(vec_dot3)(const T *a, const T *b, const T *c, int64_t size) {
  T acc[LANES];
  if (size < LANES) {
    for (int64_t l = 0; l < size; l++) acc[l] = a[l] * b[l] * c[l];
    return NAME(lanes_prefix_total)(acc, size);
  }
  for (int64_t l = 0; l < LANES; l++) acc[l] = a[l] * b[l] * c[l];
  int64_t d = LANES;
  for (; d < size - size % LANES; d += LANES)
    for (int64_t l = 0; l < LANES; l++) acc[l] = FMA(a[d + l] * b[d + l], c[d + l], acc[l]);
  for (int64_t l = 0; l < size - d; l++) acc[l] = FMA(a[d + l] * b[d + l], c[d + l], acc[l]);
  return NAME(lanes_total)(acc);
}

// ---- Welford moments (utils::RowwiseMoments) ----

/// Merges the moments (m0_add, m1_add, m2_add) into (m0, m1, m2): ATen's AddMoments.
static inline void NAME(add_moments)(int64_t m0_add, T m1_add, T m2_add, int64_t *m0, T *m1, T *m2) {
  const int64_t n = *m0 + m0_add;
  const T c = n == 0 ? (T)0 : (T)m0_add / (T)n;
  const T delta = m1_add - *m1;
  *m1 = *m1 + c * delta;
  *m2 = *m2 + (m2_add + delta * delta * c * (T)*m0);
  *m0 = n;
}

/// AddMomentsVec: the same merge lane by lane, all lanes sharing one count.
static inline void NAME(add_moments_lanes)(int64_t m0_add, const T *m1_add, const T *m2_add, int64_t *m0, T *m1,
                                           T *m2) {
  const int64_t n = *m0 + m0_add;
  const T c = n == 0 ? (T)0 : (T)m0_add / (T)n;
  for (int64_t l = 0; l < LANES; l++) {
    const T delta = m1_add[l] - m1[l];
    m1[l] = m1[l] + c * delta;
    m2[l] = m2[l] + (m2_add[l] + delta * delta * c * (T)*m0);
  }
  *m0 = n;
}

#define MOMENT_CHUNK 16
#define MOMENT_MAX_DEPTH 64

/// Mean and biased variance of x[0..count): Welford's update on LANES-wide vectors in
/// chunks of 16, chunks merged in a cascade (pairwise by binary counter), the lanes then
/// merged into the scalar Welford moments of the tail.
static inline void NAME(rowwise_moments)(const T *x, int64_t count, T *mean, T *var) {
  const int64_t vecs = count / LANES, chunks = (vecs + MOMENT_CHUNK - 1) / MOMENT_CHUNK;
  int64_t depth = 1; // ATen's CeilLog2: 1 up to 2 chunks
  while (((int64_t)1 << depth) < chunks) depth++;
  int64_t m0_stk[MOMENT_MAX_DEPTH] = {0};
  T m1_stk[MOMENT_MAX_DEPTH][LANES], m2_stk[MOMENT_MAX_DEPTH][LANES];
  for (int64_t k = 0; k < depth; k++)
    for (int64_t l = 0; l < LANES; l++) m1_stk[k][l] = m2_stk[k][l] = 0;
  for (int64_t i = 0; i < chunks; i++) {
    const T *chunk = x + i * MOMENT_CHUNK * LANES;
    const int64_t m0 = vecs - i * MOMENT_CHUNK < MOMENT_CHUNK ? vecs - i * MOMENT_CHUNK : MOMENT_CHUNK;
    T m1[LANES] = {0}, m2[LANES] = {0};
    for (int64_t j = 0; j < m0; j++) {
      const T c = (T)1 / (T)(j + 1);
      for (int64_t l = 0; l < LANES; l++) {
        const T v = chunk[j * LANES + l], delta = v - m1[l];
        m1[l] = m1[l] + delta * c;
        m2[l] = m2[l] + delta * (v - m1[l]);
      }
    }
    NAME(add_moments_lanes)(m0, m1, m2, &m0_stk[0], m1_stk[0], m2_stk[0]);
    for (int64_t j = 1, mask = i + 1; j < depth && (mask & 1) == 0; j++, mask >>= 1) {
      NAME(add_moments_lanes)(m0_stk[j - 1], m1_stk[j - 1], m2_stk[j - 1], &m0_stk[j], m1_stk[j], m2_stk[j]);
      m0_stk[j - 1] = 0;
      for (int64_t l = 0; l < LANES; l++) m1_stk[j - 1][l] = m2_stk[j - 1][l] = 0;
    }
  }
  for (int64_t k = 1; k < depth; k++)
    NAME(add_moments_lanes)(m0_stk[k], m1_stk[k], m2_stk[k], &m0_stk[0], m1_stk[0], m2_stk[0]);
  int64_t m0 = 0;
  T m1 = 0, m2 = 0;
  for (int64_t i = vecs * LANES; i < count; i++) {
    const T delta = x[i] - m1;
    ++m0;
    m1 += delta / (T)m0;
    m2 += delta * (x[i] - m1);
  }
  for (int64_t l = 0; l < LANES; l++) NAME(add_moments)(vecs, m1_stk[0][l], m2_stk[0][l], &m0, &m1, &m2);
  *mean = m1;
  *var = m2 / (T)count;
}

#undef MOMENT_CHUNK
#undef MOMENT_MAX_DEPTH
#undef LANES
#undef NAME
