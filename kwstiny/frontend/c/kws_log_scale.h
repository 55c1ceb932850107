/* Fixed-point natural log: out = round(ln(x) * 2^shift), saturated to uint16.
 *
 * log2 comes from the position of the leading one plus a piecewise-linear fraction
 * corrected by a 128-segment table; ln = log2 * ln(2). The input is first corrected
 * for the FFT size so that outputs do not depend on it. With the stage disabled the
 * value passes through, saturated to uint16. */
#ifndef KWS_LOG_SCALE_H_
#define KWS_LOG_SCALE_H_

#include "kws_common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KWS_LOG_SEGMENTS 128
#define KWS_LOG_SEGMENTS_LOG2 7
#define KWS_LOG_SCALE_LOG2 16
#define KWS_LOG_SCALE (1 << KWS_LOG_SCALE_LOG2)
#define KWS_LOG_LN2_Q16 45426 /* round(ln(2) * 2^16) */

extern const uint16_t kws_log_lut[KWS_LOG_SEGMENTS + 2];

typedef struct kws_log_scale {
  int enable;
  int shift;           /* output scale: 2^shift per unit of ln */
  int correction_bits; /* left shift (right when negative) before the log */
} kws_log_scale;

void kws_log_scale_init(kws_log_scale *log_scale, int enable, int shift, int correction_bits);
void kws_log_scale_apply(const kws_log_scale *log_scale, const uint32_t *signal, uint16_t *out,
                         int n);

#ifdef __cplusplus
}
#endif

#endif /* KWS_LOG_SCALE_H_ */
