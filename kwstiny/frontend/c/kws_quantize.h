/* Dynamic int8 quantization of a window of frontend frames (MLTK's
 * "quantize_dynamic_scale"): the window's largest value maps to +127 and values
 * `range` or more below it map to -128:
 *
 *   lo = max(max_value - range, 0),  span = max(max_value - lo, 1)
 *   q  = clamp(trunc((v - lo) * 255 / span) - 128, -128, 127)
 *
 * (C integer division, which truncates toward zero.) With the log scale on, one unit
 * of the uint16 features is 1 / 2^log_scale_shift of a natural log, so a range of
 * D dB is D * 2^shift * ln(10) / 20 units (kws_quantize_range).
 *
 * Static quantization (kws_quantize_static) applies the same formula with a fixed
 * `low` and `high` (chosen from training data) instead of the window's maximum, so
 * each frame's int8 features depend on that frame alone and a streaming model can
 * keep earlier frames' results:
 *
 *   span = max(high - low, 1)
 *   q    = clamp(trunc((v - low) * 255 / span) - 128, -128, 127) */
#ifndef KWS_QUANTIZE_H_
#define KWS_QUANTIZE_H_

#include "kws_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The feature-unit range of range_db decibels, truncated (as MLTK computes it). */
int32_t kws_quantize_range(float range_db, int log_scale_shift);
void kws_quantize_dynamic(const uint16_t *features, int8_t *out, size_t n, int32_t range);
/* Fixed-scale int8 of n features (any number of frames: each is independent). */
void kws_quantize_static(const uint16_t *features, int8_t *out, size_t n, int32_t low,
                         int32_t high);

#ifdef __cplusplus
}
#endif

#endif /* KWS_QUANTIZE_H_ */
