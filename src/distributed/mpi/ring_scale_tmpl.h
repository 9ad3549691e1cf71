// The ring's pre-scaled sum for one floating dtype (included by ring.c once per dtype with
// RING_T the C type and RING_NAME(x) its suffix). Each rank's values are multiplied by the
// scale in the dtype first, as ct_mul_scalar_ would (x * (T)scale), then summed; fusing the
// two saves a pass over the buffer and gives the same roundings (fp-contract is off).

// x[i] = in[i] * scale + x[i] * scale: another rank's unscaled values plus this rank's.
static void RING_NAME(scale_both_add)(void *x, const void *in, int64_t n, double scale) {
  RING_T *xs = x, s = (RING_T)scale;
  const RING_T *ins = in;
  for (int64_t i = 0; i < n; i++)
    xs[i] = ins[i] * s + xs[i] * s;
}

// x[i] = in[i] + x[i] * scale: a received partial sum plus this rank's scaled values.
static void RING_NAME(scale_add)(void *x, const void *in, int64_t n, double scale) {
  RING_T *xs = x, s = (RING_T)scale;
  const RING_T *ins = in;
  for (int64_t i = 0; i < n; i++)
    xs[i] = ins[i] + xs[i] * s;
}

#undef RING_T
#undef RING_NAME
