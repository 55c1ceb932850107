#include "kws_fft.h"

#include <math.h>

/* Q15 rounding of a product sum: (x + 2^14) >> 15, kept as int16. */
#define KWS_Q15_ROUND(x) kws_wrap16(((x) + (1 << 14)) >> 15)

static const double kws_pi = 3.14159265358979323846264338327950288;

static kws_cpx kws_twiddle(double phase) {
  /* floor(0.5 + 32767 * cos), in double, as the reference; the product is rounded
   * before the add so no fused multiply-add can move an entry. */
  volatile double c = 32767.0 * cos(phase);
  volatile double s = 32767.0 * sin(phase);
  kws_cpx t;
  t.r = (int16_t)floor(0.5 + c);
  t.i = (int16_t)floor(0.5 + s);
  return t;
}

int kws_fft_layout(kws_fft *fft, kws_arena *arena, size_t size) {
  size_t n = size / 2, k, rest;
  int stage;
  size_t span[KWS_FFT_MAX_STAGES];
  fft->size = size;
  fft->n = n;
  /* Radix 4 while it divides, then one radix 2: KISS FFT's factoring of 2^k. */
  fft->n_stages = 0;
  for (rest = n; rest > 1 && fft->n_stages < KWS_FFT_MAX_STAGES;) {
    const uint8_t p = (rest % 4 == 0) ? 4 : 2;
    fft->radix[fft->n_stages++] = p;
    rest /= p;
  }
  fft->twiddles = (kws_cpx *)kws_arena_take(arena, n * sizeof(kws_cpx));
  fft->split_twiddles = (kws_cpx *)kws_arena_take(arena, (n / 2) * sizeof(kws_cpx));
  fft->order = (uint16_t *)kws_arena_take(arena, n * sizeof(uint16_t));
  fft->work = (kws_cpx *)kws_arena_take(arena, n * sizeof(kws_cpx));
  if (fft->twiddles == NULL || fft->split_twiddles == NULL || fft->order == NULL ||
      fft->work == NULL) {
    return 0;
  }
  for (k = 0; k < n; ++k) {
    fft->twiddles[k] = kws_twiddle(-2.0 * kws_pi * (double)k / (double)n);
  }
  for (k = 0; k < n / 2; ++k) {
    fft->split_twiddles[k] = kws_twiddle(-kws_pi * ((double)(k + 1) / (double)n + 0.5));
  }
  /* Slot s = sum_j digit_j * span_j takes packed input sum_j digit_j * stride_j,
   * span_j = n / (p_0..p_j), stride_j = p_0..p_{j-1} (decimation in time). */
  rest = n;
  for (stage = 0; stage < fft->n_stages; ++stage) {
    rest /= fft->radix[stage];
    span[stage] = rest;
  }
  for (k = 0; k < n; ++k) {
    size_t slot = k, source = 0, stride = 1;
    for (stage = 0; stage < fft->n_stages; ++stage) {
      source += (slot / span[stage]) * stride;
      slot %= span[stage];
      stride *= fft->radix[stage];
    }
    fft->order[k] = (uint16_t)source;
  }
  return 1;
}

static inline kws_cpx kws_scale(kws_cpx x, int32_t factor) {
  kws_cpx y;
  y.r = KWS_Q15_ROUND(x.r * factor);
  y.i = KWS_Q15_ROUND(x.i * factor);
  return y;
}

static inline kws_cpx kws_mul(kws_cpx a, kws_cpx b) {
  kws_cpx y;
  y.r = KWS_Q15_ROUND((int32_t)a.r * b.r - (int32_t)a.i * b.i);
  y.i = KWS_Q15_ROUND((int32_t)a.r * b.i + (int32_t)a.i * b.r);
  return y;
}

static inline kws_cpx kws_add(kws_cpx a, kws_cpx b) {
  kws_cpx y;
  y.r = kws_wrap16((int32_t)a.r + b.r);
  y.i = kws_wrap16((int32_t)a.i + b.i);
  return y;
}

static inline kws_cpx kws_sub(kws_cpx a, kws_cpx b) {
  kws_cpx y;
  y.r = kws_wrap16((int32_t)a.r - b.r);
  y.i = kws_wrap16((int32_t)a.i - b.i);
  return y;
}

/* The division by the radix uses 32767 / p in Q15, as KISS FFT's fixed-point
 * C_FIXDIV does (so it is not an exact shift). */
#define KWS_DIV2 (32767 / 2)
#define KWS_DIV4 (32767 / 4)

static void kws_butterfly2(kws_cpx *out, const kws_cpx *twiddles, size_t stride, size_t m) {
  size_t k;
  for (k = 0; k < m; ++k) {
    const kws_cpx a = kws_scale(out[k], KWS_DIV2);
    const kws_cpx b = kws_scale(out[k + m], KWS_DIV2);
    const kws_cpx t = kws_mul(b, twiddles[k * stride]);
    out[k + m] = kws_sub(a, t);
    out[k] = kws_add(a, t);
  }
}

static void kws_butterfly4(kws_cpx *out, const kws_cpx *twiddles, size_t stride, size_t m) {
  size_t k;
  for (k = 0; k < m; ++k) {
    const kws_cpx a0 = kws_scale(out[k], KWS_DIV4);
    const kws_cpx a1 = kws_scale(out[k + m], KWS_DIV4);
    const kws_cpx a2 = kws_scale(out[k + 2 * m], KWS_DIV4);
    const kws_cpx a3 = kws_scale(out[k + 3 * m], KWS_DIV4);
    const kws_cpx t1 = kws_mul(a1, twiddles[k * stride]);
    const kws_cpx t2 = kws_mul(a2, twiddles[2 * k * stride]);
    const kws_cpx t3 = kws_mul(a3, twiddles[3 * k * stride]);
    const kws_cpx d02 = kws_sub(a0, t2);
    const kws_cpx s02 = kws_add(a0, t2);
    const kws_cpx s13 = kws_add(t1, t3);
    const kws_cpx d13 = kws_sub(t1, t3);
    kws_cpx y;
    out[k + 2 * m] = kws_sub(s02, s13);
    out[k] = kws_add(s02, s13);
    y.r = kws_wrap16((int32_t)d02.r + d13.i);
    y.i = kws_wrap16((int32_t)d02.i - d13.r);
    out[k + m] = y;
    y.r = kws_wrap16((int32_t)d02.r - d13.i);
    y.i = kws_wrap16((int32_t)d02.i + d13.r);
    out[k + 3 * m] = y;
  }
}

void kws_fft_real(const kws_fft *fft, const int16_t *in, kws_cpx *out) {
  const size_t n = fft->n;
  kws_cpx *work = fft->work;
  size_t k, stride = n, span = 1;
  int stage;
  /* The real input, read as n complex pairs, in decimation order. */
  for (k = 0; k < n; ++k) {
    const size_t source = fft->order[k];
    work[k].r = in[2 * source];
    work[k].i = in[2 * source + 1];
  }
  /* Innermost stage first: stage j combines blocks of span_j * p_j slots. */
  for (stage = fft->n_stages - 1; stage >= 0; --stage) {
    const size_t p = fft->radix[stage];
    const size_t block = span * p;
    size_t start;
    stride /= p;
    for (start = 0; start < n; start += block) {
      if (p == 4) {
        kws_butterfly4(work + start, fft->twiddles, stride, span);
      } else {
        kws_butterfly2(work + start, fft->twiddles, stride, span);
      }
    }
    span = block;
  }
  /* Split the packed transform into the spectrum of the real signal. */
  {
    const kws_cpx dc = kws_scale(work[0], KWS_DIV2);
    out[0].r = kws_wrap16((int32_t)dc.r + dc.i);
    out[0].i = 0;
    out[n].r = kws_wrap16((int32_t)dc.r - dc.i);
    out[n].i = 0;
  }
  for (k = 1; k <= n / 2; ++k) {
    kws_cpx mirrored, sum, difference, rotated;
    const kws_cpx here = kws_scale(work[k], KWS_DIV2);
    mirrored.r = work[n - k].r;
    mirrored.i = kws_wrap16(-(int32_t)work[n - k].i);
    mirrored = kws_scale(mirrored, KWS_DIV2);
    sum = kws_add(here, mirrored);
    difference = kws_sub(here, mirrored);
    rotated = kws_mul(difference, fft->split_twiddles[k - 1]);
    out[k].r = kws_wrap16(((int32_t)sum.r + rotated.r) >> 1);
    out[k].i = kws_wrap16(((int32_t)sum.i + rotated.i) >> 1);
    out[n - k].r = kws_wrap16(((int32_t)sum.r - rotated.r) >> 1);
    out[n - k].i = kws_wrap16(((int32_t)rotated.i - sum.i) >> 1);
  }
}
