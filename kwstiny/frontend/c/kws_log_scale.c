#include "kws_log_scale.h"

void kws_log_scale_init(kws_log_scale *log_scale, int enable, int shift, int correction_bits) {
  log_scale->enable = enable;
  log_scale->shift = shift;
  log_scale->correction_bits = correction_bits;
}

/* Fraction of log2(x) in Q16, x's leading one at bit `integer`. */
static uint32_t kws_log2_fraction(uint32_t x, uint32_t integer) {
  const int32_t segment_unit = KWS_LOG_SCALE >> KWS_LOG_SEGMENTS_LOG2;
  int32_t frac = (int32_t)(x - ((uint32_t)1 << integer));
  int32_t segment, c0, c1, position;
  if (integer < KWS_LOG_SCALE_LOG2) {
    frac <<= KWS_LOG_SCALE_LOG2 - integer;
  } else {
    frac >>= integer - KWS_LOG_SCALE_LOG2;
  }
  segment = frac >> (KWS_LOG_SCALE_LOG2 - KWS_LOG_SEGMENTS_LOG2);
  c0 = kws_log_lut[segment];
  c1 = kws_log_lut[segment + 1];
  position = ((c1 - c0) * (frac - segment_unit * segment)) >> KWS_LOG_SCALE_LOG2;
  return (uint32_t)(frac + c0 + position);
}

static uint32_t kws_log(uint32_t x, int shift) {
  const uint32_t integer = (uint32_t)kws_msb32(x) - 1;
  const uint32_t log2 = (integer << KWS_LOG_SCALE_LOG2) + kws_log2_fraction(x, integer);
  const uint32_t round = KWS_LOG_SCALE / 2;
  const uint32_t ln = (uint32_t)(((uint64_t)KWS_LOG_LN2_Q16 * log2 + round) >> KWS_LOG_SCALE_LOG2);
  return ((ln << shift) + round) >> KWS_LOG_SCALE_LOG2;
}

void kws_log_scale_apply(const kws_log_scale *log_scale, const uint32_t *signal, uint16_t *out,
                         int n) {
  const int correction = log_scale->correction_bits;
  int i;
  for (i = 0; i < n; ++i) {
    uint32_t value = signal[i];
    if (log_scale->enable) {
      value = correction < 0 ? value >> -correction : value << correction;
      value = value > 1 ? kws_log(value, log_scale->shift) : 0;
    }
    out[i] = (uint16_t)(value < 0xFFFFu ? value : 0xFFFFu);
  }
}
