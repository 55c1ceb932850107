#include "kws_filterbank.h"

#include <math.h>
#include <string.h>

/* Float results of double arithmetic, as in TensorFlow's filterbank_util.c. */
static float kws_mel(float freq) { return (float)(1127.0 * log1p((double)freq / 700.0)); }

/* Q12 weight, rounded half up in double. */
static int16_t kws_q12(double fraction) {
  return (int16_t)floor(kws_rounded_d(fraction * (double)(1 << KWS_FILTERBANK_BITS)) + 0.5);
}

/* Centre of band `band` (0..n_channels) on the mel scale; band n_channels ends at the
 * upper limit. */
static float kws_band_centre(float mel_low, float mel_spacing, int band) {
  return mel_low + kws_rounded(mel_spacing * (float)(band + 1));
}

int kws_filterbank_layout(kws_filterbank *bank, kws_arena *arena, int n_channels,
                          float lower_band_limit, float upper_band_limit, int sample_rate_hz,
                          size_t spectrum_size) {
  const int n_bands = n_channels + 1;
  const float mel_low = kws_mel(lower_band_limit);
  const float mel_high = kws_mel(upper_band_limit);
  const float mel_spacing = (mel_high - mel_low) / (float)n_bands;
  const float hz_per_bin =
      (float)(0.5 * (double)sample_rate_hz / (double)((float)spectrum_size - 1.0f));
  int band, bin, n_bins, real;
  bank->n_channels = n_channels;
  bank->start_bin = (int)(1.5 + (double)(lower_band_limit / hz_per_bin));
  /* Pass 1 (also when only counting): where each band ends. */
  bank->band_end = (int16_t *)kws_arena_take(arena, (size_t)n_bands * sizeof(int16_t));
  bin = bank->start_bin;
  for (band = 0; band < n_bands; ++band) {
    const float centre = kws_band_centre(mel_low, mel_spacing, band);
    while ((size_t)bin < spectrum_size && kws_mel((float)bin * hz_per_bin) <= centre) {
      ++bin;
    }
    if ((size_t)bin >= spectrum_size) {
      return -1;
    }
    if (bank->band_end != NULL) {
      bank->band_end[band] = (int16_t)bin;
    }
  }
  bank->end_bin = bin;
  n_bins = bank->end_bin - bank->start_bin;
  bank->weights = (int16_t *)kws_arena_take(arena, (size_t)n_bins * sizeof(int16_t));
  bank->unweights = (int16_t *)kws_arena_take(arena, (size_t)n_bins * sizeof(int16_t));
  real = bank->band_end != NULL && bank->weights != NULL && bank->unweights != NULL;
  if (!real) {
    return 0;
  }
  /* Pass 2: a bin's weight is its distance below its band's centre, as a fraction
   * of the band's width on the mel scale. */
  bin = bank->start_bin;
  for (band = 0; band < n_bands; ++band) {
    const float centre = kws_band_centre(mel_low, mel_spacing, band);
    const float below = band == 0 ? mel_low : kws_band_centre(mel_low, mel_spacing, band - 1);
    for (; bin < bank->band_end[band]; ++bin) {
      const float weight = (centre - kws_mel((float)bin * hz_per_bin)) / (centre - below);
      const int index = bin - bank->start_bin;
      bank->weights[index] = kws_q12((double)weight);
      bank->unweights[index] = kws_q12(1.0 - (double)weight);
    }
  }
  return 1;
}

/* Rounded integer square root: floor(sqrt(x)), plus one when the remainder exceeds
 * the root; a 32-bit input saturates at 0xFFFF (TFLM's Sqrt64 / Sqrt32). */
static uint32_t kws_sqrt_rounded(uint64_t x) {
  uint64_t root;
  uint64_t remainder;
  const uint64_t limit = (x >> 32) == 0 ? 0xFFFFu : 0xFFFFFFFFu;
  if (x == 0) {
    return 0;
  }
#if !defined(KWS_PORTABLE_SQRT) && \
    (defined(__x86_64__) || defined(__aarch64__) || defined(_M_X64) || defined(_M_ARM64))
  /* Hardware double sqrt, then an exact integer correction (same result as below;
   * define KWS_PORTABLE_SQRT to use the integer version everywhere). */
  root = (uint64_t)sqrt((double)x);
  if (root > 0xFFFFFFFFu) {
    root = 0xFFFFFFFFu;
  }
  while (root * root > x) {
    --root;
  }
  while (root < 0xFFFFFFFFu && (root + 1) * (root + 1) <= x) {
    ++root;
  }
#else
  /* Digit-by-digit: no hardware double on a Cortex-M33. */
  {
    uint64_t bit = (uint64_t)1 << ((kws_msb64(x) - 1) & ~1);
    uint64_t rest = x;
    root = 0;
    while (bit != 0) {
      if (rest >= root + bit) {
        rest -= root + bit;
        root = (root >> 1) + bit;
      } else {
        root >>= 1;
      }
      bit >>= 2;
    }
  }
#endif
  remainder = x - root * root;
  if (remainder > root && root != limit) {
    ++root;
  }
  return (uint32_t)root;
}

void kws_filterbank_apply(const kws_filterbank *bank, kws_cpx *spectrum, int scale_down_shift,
                          uint32_t *out) {
  /* Energies overwrite the bins in place (same 4 bytes per entry). As in the
   * reference the square magnitude is kept as an int32: only a bin of exactly
   * (-32768, -32768) overflows, and it wraps the same way here. */
  int32_t *energy = (int32_t *)(void *)spectrum;
  const int start = bank->start_bin;
  const int16_t *weights = bank->weights - start;
  const int16_t *unweights = bank->unweights - start;
  uint64_t weighted = 0, unweighted = 0;
  int bin, band;
  for (bin = start; bin < bank->end_bin; ++bin) {
    const int32_t re = spectrum[bin].r, im = spectrum[bin].i;
    energy[bin] = (int32_t)((uint32_t)(re * re) + (uint32_t)(im * im));
  }
  /* Band b's bins add w * e to channel b - 1 (their band's upper channel) and
   * (1 - w) * e to channel b; band 0 only feeds channel 0 through its unweights. */
  bin = start;
  for (band = 0; band <= bank->n_channels; ++band) {
    const int end = bank->band_end[band];
    for (; bin < end; ++bin) {
      const uint64_t e = (uint64_t)(int64_t)energy[bin];
      weighted += (uint64_t)(int64_t)weights[bin] * e;
      unweighted += (uint64_t)(int64_t)unweights[bin] * e;
    }
    if (band > 0) {
      out[band - 1] = kws_sqrt_rounded(weighted) >> scale_down_shift;
    }
    weighted = unweighted;
    unweighted = 0;
  }
}
