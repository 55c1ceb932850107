/* Per-channel energy normalization (PCAN) gain control: each channel is divided by
 * a power of its noise estimate (the noise reduction's), through a piecewise
 * quadratic lookup of the gain, then compressed by a fixed "shrink" curve.
 * See Wang et al., "Trainable frontend for robust and far-field keyword spotting". */
#ifndef KWS_PCAN_H_
#define KWS_PCAN_H_

#include "kws_common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KWS_PCAN_SNR_BITS 12
#define KWS_PCAN_OUTPUT_BITS 6
#define KWS_PCAN_LUT_BITS 32
#define KWS_PCAN_LUT_SIZE (4 * KWS_PCAN_LUT_BITS - 3)

typedef struct kws_pcan {
  int n_channels;
  int snr_shift;
  const uint32_t *noise_estimate; /* the noise reduction's estimate */
  int16_t *gain_lut;              /* KWS_PCAN_LUT_SIZE entries */
} kws_pcan;

/* Returns 0 when only counting, -1 when gain_bits is too small for this FFT size. */
int kws_pcan_layout(kws_pcan *pcan, kws_arena *arena, int n_channels, const uint32_t *noise_estimate,
                    float strength, float offset, int gain_bits, int smoothing_bits,
                    int correction_bits);
void kws_pcan_apply(const kws_pcan *pcan, uint32_t *signal);

#ifdef __cplusplus
}
#endif

#endif /* KWS_PCAN_H_ */
