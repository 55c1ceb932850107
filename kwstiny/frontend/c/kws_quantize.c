#include "kws_quantize.h"

#define KWS_LN10_OVER_20 0.11512925465

int32_t kws_quantize_range(float range_db, int log_scale_shift) {
  const float units = range_db * (float)(1 << log_scale_shift);
  return (int32_t)((double)units * KWS_LN10_OVER_20);
}

static void quantize_span(const uint16_t *features, int8_t *out, size_t n, int32_t low,
                          int32_t span) {
  size_t i;
  for (i = 0; i < n; ++i) {
    int32_t q = ((int32_t)features[i] - low) * 255 / span - 128;
    q = q < -128 ? -128 : (q > 127 ? 127 : q);
    out[i] = (int8_t)q;
  }
}

void kws_quantize_static(const uint16_t *features, int8_t *out, size_t n, int32_t low,
                         int32_t high) {
  quantize_span(features, out, n, low, high - low > 1 ? high - low : 1);
}

void kws_quantize_dynamic(const uint16_t *features, int8_t *out, size_t n, int32_t range) {
  int32_t max_value = 0, low, span;
  size_t i;
  for (i = 0; i < n; ++i) {
    if (features[i] > max_value) {
      max_value = features[i];
    }
  }
  low = max_value - range > 0 ? max_value - range : 0;
  span = max_value - low > 1 ? max_value - low : 1;
  quantize_span(features, out, n, low, span);
}
