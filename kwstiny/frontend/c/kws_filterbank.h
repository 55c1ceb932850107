/* Power spectrum and mel filterbank.
 *
 * Triangular filters spaced evenly on the mel scale (mel = 1127 ln(1 + f / 700))
 * between the lower and upper band limits. Each FFT bin between two band centres
 * feeds the upper channel with weight w and the lower channel with 1 - w (Q12), the
 * channel energies accumulate in 64 bits, and each channel's output is the rounded
 * square root of its energy shifted back down by the window's scale-up shift.
 * Tables are built at init in float arithmetic exactly as TFLM builds them. */
#ifndef KWS_FILTERBANK_H_
#define KWS_FILTERBANK_H_

#include "kws_common.h"
#include "kws_fft.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KWS_FILTERBANK_BITS 12

typedef struct kws_filterbank {
  int n_channels;
  int start_bin;      /* first FFT bin used (DC is always excluded) */
  int end_bin;        /* one past the last FFT bin used */
  int16_t *band_end;  /* n_channels + 1 entries: one past the last bin of each band */
  int16_t *weights;   /* end_bin - start_bin entries, Q12 */
  int16_t *unweights; /* end_bin - start_bin entries, Q12 */
} kws_filterbank;

/* Returns 1 when the tables were built, 0 when only counting; -1 when the upper
 * band limit reaches past the spectrum (at or above Nyquist). */
int kws_filterbank_layout(kws_filterbank *bank, kws_arena *arena, int n_channels,
                          float lower_band_limit, float upper_band_limit, int sample_rate_hz,
                          size_t spectrum_size);
/* spectrum: the FFT bins, overwritten with their energies; out: n_channels values. */
void kws_filterbank_apply(const kws_filterbank *bank, kws_cpx *spectrum, int scale_down_shift,
                          uint32_t *out);

#ifdef __cplusplus
}
#endif

#endif /* KWS_FILTERBANK_H_ */
