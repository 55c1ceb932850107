/* Stationary noise reduction: per channel, a slow low-pass estimate of the noise
 * floor (smoothing in Q14; even and odd channels may smooth differently) is
 * subtracted from the signal, never leaving less than min_signal_remaining of it. */
#ifndef KWS_NOISE_REDUCTION_H_
#define KWS_NOISE_REDUCTION_H_

#include "kws_common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KWS_NOISE_REDUCTION_BITS 14

typedef struct kws_noise_reduction {
  int n_channels;
  int smoothing_bits;
  uint16_t even_smoothing;       /* Q14 */
  uint16_t odd_smoothing;        /* Q14 */
  uint16_t min_signal_remaining; /* Q14 */
  uint32_t *estimate;            /* n_channels entries, scaled up by smoothing_bits */
} kws_noise_reduction;

int kws_noise_reduction_layout(kws_noise_reduction *nr, kws_arena *arena, int n_channels,
                               int smoothing_bits, float even_smoothing, float odd_smoothing,
                               float min_signal_remaining);
void kws_noise_reduction_reset(kws_noise_reduction *nr);
void kws_noise_reduction_apply(kws_noise_reduction *nr, uint32_t *signal);

#ifdef __cplusplus
}
#endif

#endif /* KWS_NOISE_REDUCTION_H_ */
