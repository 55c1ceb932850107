#include "kws_pcan.h"

#include <math.h>

/* gain(x) = 2^gain_bits * (x / 2^input_bits + offset)^-strength, saturated to int16. */
static int16_t kws_pcan_gain(float strength, float offset, int gain_bits, int input_bits,
                             uint32_t x) {
  const float x_float = ldexpf((float)x, -input_bits);
  const float gain = (float)((uint32_t)1 << gain_bits) * powf(x_float + offset, -strength);
  if (gain > 32767.0f) {
    return 32767;
  }
  return (int16_t)(kws_rounded(gain) + 0.5f);
}

int kws_pcan_layout(kws_pcan *pcan, kws_arena *arena, int n_channels, const uint32_t *noise_estimate,
                    float strength, float offset, int gain_bits, int smoothing_bits,
                    int correction_bits) {
  const int input_bits = smoothing_bits - correction_bits;
  int interval;
  pcan->n_channels = n_channels;
  pcan->noise_estimate = noise_estimate;
  pcan->snr_shift = gain_bits - correction_bits - KWS_PCAN_SNR_BITS;
  if (pcan->snr_shift < 0 || pcan->snr_shift > 31) {
    return -1;
  }
  pcan->gain_lut = (int16_t *)kws_arena_take(arena, KWS_PCAN_LUT_SIZE * sizeof(int16_t));
  if (pcan->gain_lut == NULL) {
    return 0;
  }
  /* x = 0 and 1 directly; then for each power-of-two interval [2^(k-1), 2^k) a
   * quadratic through its start, middle and end: entries 4k-6 .. 4k-4. */
  pcan->gain_lut[0] = kws_pcan_gain(strength, offset, gain_bits, input_bits, 0);
  pcan->gain_lut[1] = kws_pcan_gain(strength, offset, gain_bits, input_bits, 1);
  for (interval = 2; interval <= KWS_PCAN_LUT_BITS; ++interval) {
    const uint32_t x0 = (uint32_t)1 << (interval - 1);
    const uint32_t x1 = x0 + (x0 >> 1);
    const uint32_t x2 = interval == KWS_PCAN_LUT_BITS ? x0 + (x0 - 1) : 2 * x0;
    const int32_t y0 = kws_pcan_gain(strength, offset, gain_bits, input_bits, x0);
    const int32_t y1 = kws_pcan_gain(strength, offset, gain_bits, input_bits, x1);
    const int32_t y2 = kws_pcan_gain(strength, offset, gain_bits, input_bits, x2);
    const int32_t a1 = 4 * (y1 - y0) - (y2 - y0);
    const int32_t a2 = (y2 - y0) - a1;
    int16_t *entry = pcan->gain_lut + 4 * interval - 6;
    entry[0] = (int16_t)y0;
    entry[1] = kws_wrap16(a1);
    entry[2] = kws_wrap16(a2);
  }
  return 1;
}

/* Evaluates the piecewise quadratic at x from its interval's coefficients, using
 * the 10 bits below the leading one as the position inside the interval. */
static int16_t kws_pcan_lookup(const int16_t *lut, uint32_t x) {
  int interval, frac;
  int32_t result;
  if (x <= 2) {
    return lut[x];
  }
  interval = kws_msb32(x);
  lut += 4 * interval - 6;
  frac = (int)(((interval < 11) ? (x << (11 - interval)) : (x >> (interval - 11))) & 0x3FF);
  result = ((int32_t)lut[2] * frac) >> 5;
  result += (int32_t)((uint32_t)lut[1] << 5);
  result *= frac;
  result = (result + (1 << 14)) >> 15;
  result += lut[0];
  return kws_wrap16(result);
}

/* Maps the normalized SNR (Q12) to the output scale (Q6): quadratic below 2, then
 * linear. */
static uint32_t kws_pcan_shrink(uint32_t x) {
  if (x < (2u << KWS_PCAN_SNR_BITS)) {
    return (x * x) >> (2 + 2 * KWS_PCAN_SNR_BITS - KWS_PCAN_OUTPUT_BITS);
  }
  return (x >> (KWS_PCAN_SNR_BITS - KWS_PCAN_OUTPUT_BITS)) - (1u << KWS_PCAN_OUTPUT_BITS);
}

void kws_pcan_apply(const kws_pcan *pcan, uint32_t *signal) {
  int i;
  for (i = 0; i < pcan->n_channels; ++i) {
    /* The reference widens the int16 gain to uint32. */
    const uint32_t gain =
        (uint32_t)(int32_t)kws_pcan_lookup(pcan->gain_lut, pcan->noise_estimate[i]);
    const uint32_t snr = (uint32_t)(((uint64_t)signal[i] * gain) >> pcan->snr_shift);
    signal[i] = kws_pcan_shrink(snr);
  }
}
