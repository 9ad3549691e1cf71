// PyTorch's cascade sum on one lane type, for reduce_sum.c. Included once per lane type
// with:
//   LANE  a scalar (float, double) or a vector of them (v8f, v4d)
//   SFX   its suffix (f32, f64, v8f, v4d); ld_<SFX>(p) loads one LANE from p
//   CASCADE_THREADED  (optional) also define the threaded row sum
// Defines multi_p_<SFX>, multi_<SFX>, row_sum_<SFX> and, with CASCADE_THREADED,
// row_sum_par_<SFX>.
#define NAME(x) CT_SUFFIXED(x, SFX)
#define LD NAME(ld)

// Cascade over q rows of 4 items (row i, item k at p + i*rs + k*cs): level 0 sums blocks
// of S = 2^P rows, each full block moves up through levels 1..3 like a carry, and the
// levels are added at the end. One 4-vector of accumulators per level.
static inline void NAME(multi_p)(const char *p, int64_t rs, int64_t cs, int64_t q, int P, LANE out[4]) {
  const int64_t S = (int64_t)1 << P, mask = S - 1;
  const LANE zero = {0};
  LANE l1[4] = {zero, zero, zero, zero}, l2[4] = {zero, zero, zero, zero};
  LANE l3[4] = {zero, zero, zero, zero};
  int64_t i = 0;
  while (i + S <= q) {
    LANE a0 = zero, a1 = zero, a2 = zero, a3 = zero;
    for (int64_t end = i + S; i < end; i++) {
      const char *r = p + i * rs;
      a0 += LD(r);
      a1 += LD(r + cs);
      a2 += LD(r + 2 * cs);
      a3 += LD(r + 3 * cs);
    }
    l1[0] += a0, l1[1] += a1, l1[2] += a2, l1[3] += a3;
    if (i & (mask << P)) continue;
    for (int k = 0; k < 4; k++)
      l2[k] += l1[k], l1[k] = zero;
    if (i & (mask << (2 * P))) continue;
    for (int k = 0; k < 4; k++)
      l3[k] += l2[k], l2[k] = zero;
  }
  LANE a[4] = {zero, zero, zero, zero};
  for (; i < q; i++)
    for (int k = 0; k < 4; k++)
      a[k] += LD(p + i * rs + k * cs);
  for (int k = 0; k < 4; k++)
    out[k] = ((a[k] + l1[k]) + l2[k]) + l3[k];
}

static inline void NAME(multi)(const char *p, int64_t rs, int64_t cs, int64_t q, LANE out[4]) {
  NAME(multi_p)(p, rs, cs, q, level_power(q), out);
}

// A row of m items as (m/4, 4) rows through the cascade, the tail into item 0.
static inline LANE NAME(row_sum)(const char *p, int64_t is, int64_t m) {
  int64_t q = m / 4;
  LANE a[4];
  NAME(multi)(p, 4 * is, is, q, a);
  for (int64_t i = 4 * q; i < m; i++)
    a[0] += LD(p + i * is);
  return ((a[0] + a[1]) + a[2]) + a[3];
}

#ifdef CASCADE_THREADED
// The same cascade with its level-2 units (S^2 rows, independent of each other) summed
// by several threads, then combined in the serial order: identical results. Used for
// long contiguous runs outside parallel regions.
static LANE NAME(row_sum_par)(const char *p, int64_t is, int64_t m) {
  const int64_t q = m / 4, rs = 4 * is;
  const int P = level_power(q);
  const int64_t S = (int64_t)1 << P, mask = S - 1, unit = S * S, nunits = q / unit;
  LANE *u = q >= PARALLEL_MIN_ROWS && nunits >= 4 ? malloc((size_t)nunits * 4 * sizeof(LANE)) : NULL;
  if (!u) return NAME(row_sum)(p, is, m);
#pragma omp parallel for schedule(static)
  for (int64_t j = 0; j < nunits; j++) {
    LANE r[4];
    NAME(multi_p)(p + j * unit * rs, rs, is, unit, P, r);
    memcpy(u + 4 * j, r, sizeof r);
  }
  const LANE zero = {0};
  LANE l2[4] = {zero, zero, zero, zero}, l3[4] = {zero, zero, zero, zero};
  for (int64_t j = 0; j < nunits; j++) {
    for (int k = 0; k < 4; k++) {
      LANE v;
      memcpy(&v, u + 4 * j + k, sizeof v);
      l2[k] += v;
    }
    if (((j + 1) * unit) & (mask << (2 * P))) continue;
    for (int k = 0; k < 4; k++)
      l3[k] += l2[k], l2[k] = zero;
  }
  free(u);
  LANE l1[4] = {zero, zero, zero, zero}, a[4] = {zero, zero, zero, zero};
  int64_t i = nunits * unit;
  while (i + S <= q) { // whole level-0 blocks left (fewer than S): into level 1
    LANE b[4] = {zero, zero, zero, zero};
    for (int64_t end = i + S; i < end; i++)
      for (int k = 0; k < 4; k++)
        b[k] += LD(p + i * rs + k * is);
    for (int k = 0; k < 4; k++)
      l1[k] += b[k];
  }
  for (; i < q; i++)
    for (int k = 0; k < 4; k++)
      a[k] += LD(p + i * rs + k * is);
  for (int64_t t = 4 * q; t < m; t++)
    a[0] += LD(p + t * is);
  LANE r[4];
  for (int k = 0; k < 4; k++)
    r[k] = ((a[k] + l1[k]) + l2[k]) + l3[k];
  return ((r[0] + r[1]) + r[2]) + r[3];
}
#undef CASCADE_THREADED
#endif

#undef NAME
#undef LD
#undef LANE
#undef SFX
