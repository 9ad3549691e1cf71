// The lane formulas of oneDNN's gelu_erf (see gelu_onednn.h) for one vector width.
// Included once per width with:
//   V        the float vector type          ISA      the name suffix (avx2, avx512)
//   ATTR     the functions' target attribute (empty for the build's own ISA)
//   VOP(op)  the float intrinsic of `op` (add_ps ... as _mm256_add_ps / _mm512_add_ps)
//   VCONST(bits)          a vector of the float with these bits
//   VFLOOR(x)             floor of each lane
//   VSCALE(nf, underflow) 2^(nf - 1) from integral nf, 0 in lanes where v < ln_min
// Every operation is lane-wise IEEE arithmetic, so both widths give each element the
// same bits.
#define NAME(x) CT_SUFFIXED(x, ISA)

// exp(v) = 2 * 2^(n-1) * p(v - n ln2), n = floor(v log2(e) + 1/2); 0 below ln(FLT_MIN).
ATTR static inline V NAME(onednn_exp)(V v) {
  const V ln_min = VCONST(0xc2aeac50), ln_max = VCONST(0x42b17218), one = VCONST(0x3f800000);
  const V below = v; // the underflow test reads v before it is clamped
  v = VOP(max_ps)(VOP(min_ps)(v, ln_max), ln_min);
  const V fx = VOP(add_ps)(VOP(mul_ps)(v, VCONST(0x3fb8aa3b)), VCONST(0x3f000000));
  const V nf = VFLOOR(fx);
  const V r = VOP(fnmadd_ps)(nf, VCONST(0x3f317218), v);
  const V scale = VSCALE(VOP(sub_ps)(nf, one), below, ln_min);
  V p = VOP(fmadd_ps)(VCONST(0x3c07cfce), r, VCONST(0x3d2b9d0d));
  p = VOP(fmadd_ps)(p, r, VCONST(0x3e2aad40));
  p = VOP(fmadd_ps)(p, r, VCONST(0x3efffee3));
  p = VOP(fmadd_ps)(p, r, VCONST(0x3f7ffffb));
  p = VOP(fmadd_ps)(p, r, one);
  return VOP(mul_ps)(VOP(mul_ps)(p, scale), VCONST(0x40000000));
}

// 1 - r(t) * t * exp(-x * x) with t = 1 / (1 + p |x|), given q = exp(-x * x), sign of x restored.
ATTR static inline V NAME(onednn_erf_of)(V x, V q) {
  const V one = VCONST(0x3f800000), sign_mask = VCONST(0x80000000);
  const V sign = VOP(and_ps)(x, sign_mask);
  const V abs_x = VOP(andnot_ps)(sign_mask, x);
  const V t = VOP(div_ps)(one, VOP(fmadd_ps)(VCONST(0x3ea7ba05), abs_x, one));
  const V qt = VOP(mul_ps)(VOP(xor_ps)(q, sign_mask), t);
  V r = VOP(fmadd_ps)(VCONST(0x3f87dc22), t, VCONST(0xbfba00e3));
  r = VOP(fmadd_ps)(r, t, VCONST(0x3fb5f0e3));
  r = VOP(fmadd_ps)(r, t, VCONST(0xbe91a98e));
  r = VOP(fmadd_ps)(r, t, VCONST(0x3e827906));
  return VOP(xor_ps)(VOP(fmadd_ps)(qt, r, one), sign);
}

// gelu(s) = S + S * erf(x), x = s / sqrt(2), S = s / 2.
ATTR static inline V NAME(onednn_gelu)(V s) {
  const V x = VOP(mul_ps)(s, VCONST(0x3f3504f3));
  const V q = NAME(onednn_exp)(VOP(xor_ps)(VOP(mul_ps)(x, x), VCONST(0x80000000)));
  const V half_s = VOP(mul_ps)(s, VCONST(0x3f000000));
  return VOP(fmadd_ps)(NAME(onednn_erf_of)(x, q), half_s, half_s);
}

// gelu'(s) = 0.5 + x / sqrt(pi) * exp(-x * x) + 0.5 * erf(x), x = s / sqrt(2).
ATTR static inline V NAME(onednn_gelu_derivative)(V s) {
  const V x = VOP(mul_ps)(s, VCONST(0x3f3504f3)), half = VCONST(0x3f000000);
  const V q = NAME(onednn_exp)(VOP(xor_ps)(VOP(mul_ps)(x, x), VCONST(0x80000000)));
  const V t = VOP(mul_ps)(VOP(mul_ps)(x, VCONST(0x3f106eba)), q);
  return VOP(fmadd_ps)(NAME(onednn_erf_of)(x, q), half, VOP(add_ps)(t, half));
}

// Full vectors of o = gelu(x) from i on; returns where they stopped.
ATTR static int64_t NAME(gelu_vectors)(float *o, const float *x, int64_t i, int64_t n) {
  const int64_t lanes = (int64_t)(sizeof(V) / sizeof(float));
  for (; i + lanes <= n; i += lanes)
    VOP(storeu_ps)(o + i, NAME(onednn_gelu)(VOP(loadu_ps)(x + i)));
  return i;
}

// Full vectors of o = dy * gelu'(x) from i on (dy one broadcast value when dy_one).
ATTR static int64_t NAME(gelu_backward_vectors)(float *o, const float *dy, bool dy_one, const float *x,
                                                int64_t i, int64_t n) {
  const int64_t lanes = (int64_t)(sizeof(V) / sizeof(float));
  for (; i + lanes <= n; i += lanes) {
    const V g = dy_one ? VOP(set1_ps)(dy[0]) : VOP(loadu_ps)(dy + i);
    VOP(storeu_ps)(o + i, VOP(mul_ps)(NAME(onednn_gelu_derivative)(VOP(loadu_ps)(x + i)), g));
  }
  return i;
}

#undef NAME
#undef V
#undef ISA
#undef ATTR
#undef VOP
#undef VCONST
#undef VFLOOR
#undef VSCALE
