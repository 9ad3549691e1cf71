// The recurrent-cell steps (kernels/rnn.h) for one floating dtype, for rnn_cells.c.
// Included once per dtype with:
//   T  the element type     SFX  its suffix (f32, f64)
// The includer defines, per suffix, SIGMOID_SPAN_<SFX>(x, n) and TANH_SPAN_<SFX>(x, n)
// (activate n contiguous elements in place, vectorised where it can).
//
// Per row, a forward step adds the two projections and the biases into the saved gate
// slots, activates them in contiguous spans, then combines them elementwise; backward
// reads only the saved row.
#define NAME(x) CT_SUFFIXED(x, SFX)
#define SIGMOID_SPAN CT_SUFFIXED(SIGMOID_SPAN, SFX)
#define TANH_SPAN CT_SUFFIXED(TANH_SPAN, SFX)

// pre[j] = (gi[j] + b_ih[j]) + (gh[j] + b_hh[j]) for j < n, PyTorch's order of the two
// biased projections (either bias may be absent).
INLINE void NAME(sum_projections)(T *restrict pre, const T *restrict gi, const T *restrict gh,
                                  const T *restrict b_ih, const T *restrict b_hh, int64_t n) {
  if (b_ih && b_hh)
    for (int64_t j = 0; j < n; j++)
      pre[j] = (gi[j] + b_ih[j]) + (gh[j] + b_hh[j]);
  else
    for (int64_t j = 0; j < n; j++)
      pre[j] = gi[j] + gh[j];
}

static void NAME(rnn_step)(const ct_rnn_step_args *a) {
  const int64_t H = a->hidden;
  const bool relu = a->mode == CT_RNN_MODE_RELU;
  for (int64_t r = 0; r < a->rows; r++) {
    T *restrict s = (T *)a->saved + r * a->ld_saved;
    T *restrict h = (T *)a->h + r * H, *restrict y = (T *)a->y + r * a->ld_y;
    NAME(sum_projections)(s, (const T *)a->gi + r * a->ld_gi, (const T *)a->gh + r * H, a->b_ih, a->b_hh, H);
    if (relu)
      for (int64_t j = 0; j < H; j++)
        s[j] = s[j] > 0 ? s[j] : (s[j] == s[j] ? 0 : s[j]); // NaN stays
    else
      TANH_SPAN(s, H);
    for (int64_t j = 0; j < H; j++) {
      s[H + j] = h[j];
      h[j] = y[j] = s[j];
    }
  }
}

// c' = f * c + i * g (also into the saved tanh(c') slot, activated next), saving h and c.
INLINE void NAME(lstm_row_cell)(int64_t H, const T *restrict gi, const T *restrict gf, const T *restrict gg,
                                T *restrict c, T *restrict tc, T *restrict hp, T *restrict cp,
                                const T *restrict h) {
  for (int64_t j = 0; j < H; j++) {
    hp[j] = h[j], cp[j] = c[j];
    c[j] = gf[j] * cp[j] + gi[j] * gg[j];
    tc[j] = c[j];
  }
}
// h' = o * tanh(c'), into the state and the output.
INLINE void NAME(lstm_row_output)(int64_t H, const T *restrict go, const T *restrict tc, T *restrict h,
                                  T *restrict y) {
  for (int64_t j = 0; j < H; j++)
    h[j] = y[j] = go[j] * tc[j];
}

static void NAME(lstm_step)(const ct_rnn_step_args *a) {
  const int64_t H = a->hidden, G = 4 * H;
  for (int64_t r = 0; r < a->rows; r++) {
    T *s = (T *)a->saved + r * a->ld_saved, *h = (T *)a->h + r * H, *c = (T *)a->c + r * H;
    T *y = (T *)a->y + r * a->ld_y;
    NAME(sum_projections)(s, (const T *)a->gi + r * a->ld_gi, (const T *)a->gh + r * G, a->b_ih, a->b_hh, G);
    SIGMOID_SPAN(s, 2 * H);     // i, f
    TANH_SPAN(s + 2 * H, H);    // g
    SIGMOID_SPAN(s + 3 * H, H); // o
    NAME(lstm_row_cell)(H, s, s + H, s + 2 * H, c, s + G, s + 5 * H, s + 6 * H, h);
    TANH_SPAN(s + G, H);
    NAME(lstm_row_output)(H, s + 3 * H, s + G, h, y);
  }
}

static void NAME(gru_step)(const ct_rnn_step_args *a) {
  const int64_t H = a->hidden, G = 3 * H;
  const T *b_ih = a->b_ih, *b_hh = a->b_hh;
  for (int64_t r = 0; r < a->rows; r++) {
    T *s = (T *)a->saved + r * a->ld_saved;
    T *restrict h = (T *)a->h + r * H, *restrict y = (T *)a->y + r * a->ld_y;
    const T *restrict gi = (const T *)a->gi + r * a->ld_gi, *restrict gh = (const T *)a->gh + r * G;
    NAME(sum_projections)(s, gi, gh, b_ih, b_hh, 2 * H); // r, z
    SIGMOID_SPAN(s, 2 * H);
    T *restrict n = s + 2 * H, *restrict ghn = s + G, *restrict hp = s + 4 * H;
    for (int64_t j = 0; j < H; j++) {
      ghn[j] = b_hh ? gh[2 * H + j] + b_hh[2 * H + j] : gh[2 * H + j];
      const T in = b_ih ? gi[2 * H + j] + b_ih[2 * H + j] : gi[2 * H + j];
      n[j] = in + s[j] * ghn[j];
    }
    TANH_SPAN(n, H);
    for (int64_t j = 0; j < H; j++) {
      hp[j] = h[j];
      const T z = s[H + j];
      h[j] = y[j] = (1 - z) * n[j] + z * h[j];
    }
  }
}

static void NAME(step)(const ct_rnn_step_args *a) {
  switch (a->mode) {
  case CT_RNN_MODE_LSTM: NAME(lstm_step)(a); break;
  case CT_RNN_MODE_GRU: NAME(gru_step)(a); break;
  default: NAME(rnn_step)(a); break;
  }
}

static void NAME(rnn_step_backward)(const ct_rnn_step_grad_args *a) {
  const int64_t H = a->hidden;
  const bool relu = a->mode == CT_RNN_MODE_RELU;
  for (int64_t r = 0; r < a->rows; r++) {
    const T *restrict s = (const T *)a->saved + r * a->ld_saved, *restrict dy =
                                                                     (const T *)a->dy + r * a->ld_dy;
    const T *restrict dh = (const T *)a->dh + r * H;
    T *restrict dg = (T *)a->dgi + r * H;
    if (relu)
      for (int64_t j = 0; j < H; j++)
        dg[j] = s[j] > 0 ? dh[j] + dy[j] : 0;
    else
      for (int64_t j = 0; j < H; j++)
        dg[j] = (dh[j] + dy[j]) * (1 - s[j] * s[j]);
  }
}

// One row of LSTM backward; restrict parameters let the loop vectorise.
INLINE void NAME(lstm_row_backward)(int64_t H, const T *restrict gi, const T *restrict gf,
                                    const T *restrict gg, const T *restrict go, const T *restrict tc,
                                    const T *restrict cp, const T *restrict dy, const T *restrict dh,
                                    T *restrict dc, T *restrict dg) {
  for (int64_t j = 0; j < H; j++) {
    const T dht = dh[j] + dy[j];
    const T dct = dc[j] + dht * go[j] * (1 - tc[j] * tc[j]);
    dg[j] = dct * gg[j] * gi[j] * (1 - gi[j]);
    dg[H + j] = dct * cp[j] * gf[j] * (1 - gf[j]);
    dg[2 * H + j] = dct * gi[j] * (1 - gg[j] * gg[j]);
    dg[3 * H + j] = dht * tc[j] * go[j] * (1 - go[j]);
    dc[j] = dct * gf[j];
  }
}

static void NAME(lstm_step_backward)(const ct_rnn_step_grad_args *a) {
  const int64_t H = a->hidden, G = 4 * H;
  for (int64_t r = 0; r < a->rows; r++) {
    const T *s = (const T *)a->saved + r * a->ld_saved;
    NAME(lstm_row_backward)
    (H, s, s + H, s + 2 * H, s + 3 * H, s + G, s + 6 * H, (const T *)a->dy + r * a->ld_dy,
     (const T *)a->dh + r * H, (T *)a->dc + r * H, (T *)a->dgi + r * G);
  }
}

// One row of GRU backward.
INLINE void NAME(gru_row_backward)(int64_t H, const T *restrict gr, const T *restrict gz,
                                   const T *restrict gn, const T *restrict ghn, const T *restrict hp,
                                   const T *restrict dy, T *restrict dh, T *restrict dgi, T *restrict dgh) {
  for (int64_t j = 0; j < H; j++) {
    const T dht = dh[j] + dy[j];
    const T dn = dht * (1 - gz[j]) * (1 - gn[j] * gn[j]);
    const T dr = dn * ghn[j] * gr[j] * (1 - gr[j]);
    const T dz = dht * (hp[j] - gn[j]) * gz[j] * (1 - gz[j]);
    dgi[j] = dgh[j] = dr;
    dgi[H + j] = dgh[H + j] = dz;
    dgi[2 * H + j] = dn;
    dgh[2 * H + j] = dn * gr[j];
    dh[j] = dht * gz[j];
  }
}

static void NAME(gru_step_backward)(const ct_rnn_step_grad_args *a) {
  const int64_t H = a->hidden, G = 3 * H;
  for (int64_t r = 0; r < a->rows; r++) {
    const T *s = (const T *)a->saved + r * a->ld_saved;
    NAME(gru_row_backward)
    (H, s, s + H, s + 2 * H, s + G, s + 4 * H, (const T *)a->dy + r * a->ld_dy, (T *)a->dh + r * H,
     (T *)a->dgi + r * G, (T *)a->dgh + r * G);
  }
}

static void NAME(step_backward)(const ct_rnn_step_grad_args *a) {
  switch (a->mode) {
  case CT_RNN_MODE_LSTM: NAME(lstm_step_backward)(a); break;
  case CT_RNN_MODE_GRU: NAME(gru_step_backward)(a); break;
  default: NAME(rnn_step_backward)(a); break;
  }
}

#undef NAME
#undef SIGMOID_SPAN
#undef TANH_SPAN
#undef T
#undef SFX
