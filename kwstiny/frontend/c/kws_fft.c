#include "kws_fft.h"

#include <math.h>

/* Narrowing to int16 wraps modulo 2^16 here, as KISS FFT relies on when it stores
 * int sums in int16. C99 leaves the conversion implementation-defined; GCC, Clang,
 * armcc/armclang and MSVC all define it as modulo, and tests pin it down. */
#define KWS_I16(x) ((int16_t)(x))
/* Q15 rounding of a product (sum): (x + 2^14) >> 15, kept as int16. */
#define KWS_Q15(x) KWS_I16(((x) + (1 << 14)) >> 15)
/* The pre-division by the radix uses 32767 / p in Q15, as KISS FFT's fixed-point
 * C_FIXDIV does (so it is not an exact shift). */
#define KWS_DIV2 (32767 / 2)
#define KWS_DIV4 (32767 / 4)

static const double kws_pi = 3.14159265358979323846264338327950288;

static kws_cpx kws_twiddle(double phase) {
  /* floor(0.5 + 32767 * cos), in double, as the reference; the product is rounded
   * before the add so no fused multiply-add can move an entry. */
  const double c = kws_rounded_d(32767.0 * cos(phase));
  const double s = kws_rounded_d(32767.0 * sin(phase));
  kws_cpx t;
  t.r = (int16_t)floor(0.5 + c);
  t.i = (int16_t)floor(0.5 + s);
  return t;
}

int kws_fft_layout(kws_fft *fft, kws_arena *arena, size_t size) {
  const size_t n = size / 2;
  size_t k, rest, n_twiddles = 0;
  int stage;
  fft->size = size;
  fft->n = n;
  /* Radix 4 while it divides, then one radix 2: KISS FFT's factoring of 2^k. */
  fft->n_stages = 0;
  for (rest = n; rest > 1 && fft->n_stages < KWS_FFT_MAX_STAGES;) {
    const uint8_t p = (rest % 4 == 0) ? 4 : 2;
    rest /= p;
    fft->radix[fft->n_stages] = p;
    fft->span[fft->n_stages] = rest;
    fft->twiddle_offset[fft->n_stages] = n_twiddles;
    n_twiddles += (size_t)(p - 1) * rest;
    ++fft->n_stages;
  }
  fft->twiddle_r = (int16_t *)kws_arena_take(arena, n_twiddles * sizeof(int16_t));
  fft->twiddle_i = (int16_t *)kws_arena_take(arena, n_twiddles * sizeof(int16_t));
  fft->split_twiddles = (kws_cpx *)kws_arena_take(arena, (n / 2) * sizeof(kws_cpx));
  fft->order = (uint16_t *)kws_arena_take(arena, n * sizeof(uint16_t));
  fft->work_r = (int16_t *)kws_arena_take(arena, n * sizeof(int16_t));
  fft->work_i = (int16_t *)kws_arena_take(arena, n * sizeof(int16_t));
  if (fft->twiddle_r == NULL || fft->twiddle_i == NULL || fft->split_twiddles == NULL ||
      fft->order == NULL || fft->work_r == NULL || fft->work_i == NULL) {
    return 0;
  }
  /* Stage j (stride_j = p_0 .. p_{j-1}) multiplies input q of butterfly k by
   * w^(q k stride_j), w = exp(-2 pi i / n): the entry KISS FFT reads at q k stride. */
  {
    size_t stride = 1;
    for (stage = 0; stage < fft->n_stages; ++stage) {
      const size_t span = fft->span[stage];
      size_t q;
      for (q = 1; q < fft->radix[stage]; ++q) {
        for (k = 0; k < span; ++k) {
          const size_t index = fft->twiddle_offset[stage] + (q - 1) * span + k;
          const kws_cpx t = kws_twiddle(-2.0 * kws_pi * (double)(q * k * stride) / (double)n);
          fft->twiddle_r[index] = t.r;
          fft->twiddle_i[index] = t.i;
        }
      }
      stride *= fft->radix[stage];
    }
  }
  for (k = 0; k < n / 2; ++k) {
    fft->split_twiddles[k] = kws_twiddle(-kws_pi * ((double)(k + 1) / (double)n + 0.5));
  }
  /* Slot s = sum_j digit_j * span_j takes packed input sum_j digit_j * stride_j
   * (decimation in time). */
  for (k = 0; k < n; ++k) {
    size_t slot = k, source = 0, stride = 1;
    for (stage = 0; stage < fft->n_stages; ++stage) {
      source += (slot / fft->span[stage]) * stride;
      slot %= fft->span[stage];
      stride *= fft->radix[stage];
    }
    fft->order[k] = (uint16_t)source;
  }
  return 1;
}

/* Radix-4 butterflies k = 0..m-1 of one block: inputs x0..x3 (k, k+m, k+2m, k+3m),
 * each divided by 4; inputs 1..3 rotated by their twiddles w1..w3. Separate
 * restrict pointers tell the compiler the four rows never overlap, so it vectorizes. */
static void kws_butterfly4_rows(size_t m, int16_t *restrict r0, int16_t *restrict i0,
                                int16_t *restrict r1, int16_t *restrict i1,
                                int16_t *restrict r2, int16_t *restrict i2,
                                int16_t *restrict r3, int16_t *restrict i3,
                                const int16_t *restrict w1r, const int16_t *restrict w1i,
                                const int16_t *restrict w2r, const int16_t *restrict w2i,
                                const int16_t *restrict w3r, const int16_t *restrict w3i) {
  size_t k;
  for (k = 0; k < m; ++k) {
    const int32_t a0r = KWS_Q15(r0[k] * KWS_DIV4), a0i = KWS_Q15(i0[k] * KWS_DIV4);
    const int32_t a1r = KWS_Q15(r1[k] * KWS_DIV4), a1i = KWS_Q15(i1[k] * KWS_DIV4);
    const int32_t a2r = KWS_Q15(r2[k] * KWS_DIV4), a2i = KWS_Q15(i2[k] * KWS_DIV4);
    const int32_t a3r = KWS_Q15(r3[k] * KWS_DIV4), a3i = KWS_Q15(i3[k] * KWS_DIV4);
    const int32_t t1r = KWS_Q15(a1r * w1r[k] - a1i * w1i[k]);
    const int32_t t1i = KWS_Q15(a1r * w1i[k] + a1i * w1r[k]);
    const int32_t t2r = KWS_Q15(a2r * w2r[k] - a2i * w2i[k]);
    const int32_t t2i = KWS_Q15(a2r * w2i[k] + a2i * w2r[k]);
    const int32_t t3r = KWS_Q15(a3r * w3r[k] - a3i * w3i[k]);
    const int32_t t3i = KWS_Q15(a3r * w3i[k] + a3i * w3r[k]);
    const int32_t d02r = KWS_I16(a0r - t2r), d02i = KWS_I16(a0i - t2i);
    const int32_t s02r = KWS_I16(a0r + t2r), s02i = KWS_I16(a0i + t2i);
    const int32_t s13r = KWS_I16(t1r + t3r), s13i = KWS_I16(t1i + t3i);
    const int32_t d13r = KWS_I16(t1r - t3r), d13i = KWS_I16(t1i - t3i);
    r2[k] = KWS_I16(s02r - s13r);
    i2[k] = KWS_I16(s02i - s13i);
    r0[k] = KWS_I16(s02r + s13r);
    i0[k] = KWS_I16(s02i + s13i);
    r1[k] = KWS_I16(d02r + d13i);
    i1[k] = KWS_I16(d02i - d13r);
    r3[k] = KWS_I16(d02r - d13i);
    i3[k] = KWS_I16(d02i + d13r);
  }
}

static void kws_butterfly4(int16_t *re, int16_t *im, const int16_t *wr, const int16_t *wi,
                           size_t m) {
  kws_butterfly4_rows(m, re, im, re + m, im + m, re + 2 * m, im + 2 * m, re + 3 * m, im + 3 * m,
                      wr, wi, wr + m, wi + m, wr + 2 * m, wi + 2 * m);
}

static void kws_butterfly2_rows(size_t m, int16_t *restrict r0, int16_t *restrict i0,
                                int16_t *restrict r1, int16_t *restrict i1,
                                const int16_t *restrict wr, const int16_t *restrict wi) {
  size_t k;
  for (k = 0; k < m; ++k) {
    const int32_t ar = KWS_Q15(r0[k] * KWS_DIV2), ai = KWS_Q15(i0[k] * KWS_DIV2);
    const int32_t br = KWS_Q15(r1[k] * KWS_DIV2), bi = KWS_Q15(i1[k] * KWS_DIV2);
    const int32_t tr = KWS_Q15(br * wr[k] - bi * wi[k]), ti = KWS_Q15(br * wi[k] + bi * wr[k]);
    r1[k] = KWS_I16(ar - tr);
    i1[k] = KWS_I16(ai - ti);
    r0[k] = KWS_I16(ar + tr);
    i0[k] = KWS_I16(ai + ti);
  }
}

static void kws_butterfly2(int16_t *re, int16_t *im, const int16_t *wr, const int16_t *wi,
                           size_t m) {
  kws_butterfly2_rows(m, re, im, re + m, im + m, wr, wi);
}

/* The innermost radix-4 stage (one butterfly per block, twiddles w^0), run across
 * blocks so that it too is one long loop. */
static void kws_butterfly4_first(int16_t *restrict re, int16_t *restrict im, int32_t w0r,
                                 int32_t w0i, size_t n) {
  size_t b;
  for (b = 0; b < n; b += 4) {
    {
      const int32_t a0r = KWS_Q15(re[b] * KWS_DIV4), a0i = KWS_Q15(im[b] * KWS_DIV4);
      const int32_t a1r = KWS_Q15(re[b + 1] * KWS_DIV4), a1i = KWS_Q15(im[b + 1] * KWS_DIV4);
      const int32_t a2r = KWS_Q15(re[b + 2] * KWS_DIV4), a2i = KWS_Q15(im[b + 2] * KWS_DIV4);
      const int32_t a3r = KWS_Q15(re[b + 3] * KWS_DIV4), a3i = KWS_Q15(im[b + 3] * KWS_DIV4);
      const int32_t t1r = KWS_Q15(a1r * w0r - a1i * w0i), t1i = KWS_Q15(a1r * w0i + a1i * w0r);
      const int32_t t2r = KWS_Q15(a2r * w0r - a2i * w0i), t2i = KWS_Q15(a2r * w0i + a2i * w0r);
      const int32_t t3r = KWS_Q15(a3r * w0r - a3i * w0i), t3i = KWS_Q15(a3r * w0i + a3i * w0r);
      const int32_t d02r = KWS_I16(a0r - t2r), d02i = KWS_I16(a0i - t2i);
      const int32_t s02r = KWS_I16(a0r + t2r), s02i = KWS_I16(a0i + t2i);
      const int32_t s13r = KWS_I16(t1r + t3r), s13i = KWS_I16(t1i + t3i);
      const int32_t d13r = KWS_I16(t1r - t3r), d13i = KWS_I16(t1i - t3i);
      re[b + 2] = KWS_I16(s02r - s13r);
      im[b + 2] = KWS_I16(s02i - s13i);
      re[b] = KWS_I16(s02r + s13r);
      im[b] = KWS_I16(s02i + s13i);
      re[b + 1] = KWS_I16(d02r + d13i);
      im[b + 1] = KWS_I16(d02i - d13r);
      re[b + 3] = KWS_I16(d02r - d13i);
      im[b + 3] = KWS_I16(d02i + d13r);
    }
  }
}

void kws_fft_real(const kws_fft *fft, const int16_t *in, kws_cpx *out) {
  const size_t n = fft->n;
  int16_t *restrict re = fft->work_r;
  int16_t *restrict im = fft->work_i;
  size_t k;
  int stage;
  /* The real input, read as n complex pairs, in decimation order. */
  for (k = 0; k < n; ++k) {
    const size_t source = fft->order[k];
    re[k] = in[2 * source];
    im[k] = in[2 * source + 1];
  }
  /* Innermost stage first: stage j combines blocks of span_j * p_j slots. */
  for (stage = fft->n_stages - 1; stage >= 0; --stage) {
    const size_t m = fft->span[stage];
    const size_t block = m * fft->radix[stage];
    const int16_t *wr = fft->twiddle_r + fft->twiddle_offset[stage];
    const int16_t *wi = fft->twiddle_i + fft->twiddle_offset[stage];
    size_t start;
    if (fft->radix[stage] == 4 && m == 1) {
      kws_butterfly4_first(re, im, wr[0], wi[0], n);
      continue;
    }
    for (start = 0; start < n; start += block) {
      if (fft->radix[stage] == 4) {
        kws_butterfly4(re + start, im + start, wr, wi, m);
      } else {
        kws_butterfly2(re + start, im + start, wr, wi, m);
      }
    }
  }
  /* Split the packed transform into the spectrum of the real signal. */
  {
    const int32_t dcr = KWS_Q15(re[0] * KWS_DIV2), dci = KWS_Q15(im[0] * KWS_DIV2);
    out[0].r = KWS_I16(dcr + dci);
    out[0].i = 0;
    out[n].r = KWS_I16(dcr - dci);
    out[n].i = 0;
  }
  for (k = 1; k <= n / 2; ++k) {
    const int32_t hr = KWS_Q15(re[k] * KWS_DIV2), hi = KWS_Q15(im[k] * KWS_DIV2);
    const int32_t mr = KWS_Q15(re[n - k] * KWS_DIV2);
    const int32_t mi = KWS_Q15(KWS_I16(-im[n - k]) * KWS_DIV2);
    const int32_t sr = KWS_I16(hr + mr), si = KWS_I16(hi + mi);
    const int32_t dr = KWS_I16(hr - mr), di = KWS_I16(hi - mi);
    const int32_t wr = fft->split_twiddles[k - 1].r, wi = fft->split_twiddles[k - 1].i;
    const int32_t rr = KWS_Q15(dr * wr - di * wi), ri = KWS_Q15(dr * wi + di * wr);
    out[k].r = KWS_I16((sr + rr) >> 1);
    out[k].i = KWS_I16((si + ri) >> 1);
    out[n - k].r = KWS_I16((sr - rr) >> 1);
    out[n - k].i = KWS_I16((ri - si) >> 1);
  }
}
