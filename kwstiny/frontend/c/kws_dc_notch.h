/* DC notch filter, run on every sample before it enters the window:
 *   y[n] = x[n] - x[n-1] + k * y[n-1],   k in Q15, H(z) = (1 - z^-1) / (1 - k z^-1)
 * It removes a microphone's DC offset; MLTK's AudioFeatureGenerator adds it in front
 * of the TFLM microfrontend. Integer only; state carries across calls. */
#ifndef KWS_DC_NOTCH_H_
#define KWS_DC_NOTCH_H_

#include "kws_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kws_dc_notch {
  int16_t coefficient; /* k * 2^15, truncated */
  int16_t prev_in;
  int16_t prev_out;
} kws_dc_notch;

void kws_dc_notch_init(kws_dc_notch *filter, float coefficient);
void kws_dc_notch_reset(kws_dc_notch *filter);
/* Filters n samples from in to out (they may be the same buffer). */
void kws_dc_notch_apply(kws_dc_notch *filter, const int16_t *in, int16_t *out, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* KWS_DC_NOTCH_H_ */
