#include "kws_noise_reduction.h"

#include <string.h>

int kws_noise_reduction_layout(kws_noise_reduction *nr, kws_arena *arena, int n_channels,
                               int smoothing_bits, float even_smoothing, float odd_smoothing,
                               float min_signal_remaining) {
  const float one = (float)(1 << KWS_NOISE_REDUCTION_BITS);
  nr->n_channels = n_channels;
  nr->smoothing_bits = smoothing_bits;
  /* Truncated to Q14, as the reference converts them. */
  nr->even_smoothing = (uint16_t)(even_smoothing * one);
  nr->odd_smoothing = (uint16_t)(odd_smoothing * one);
  nr->min_signal_remaining = (uint16_t)(min_signal_remaining * one);
  nr->estimate = (uint32_t *)kws_arena_take(arena, (size_t)n_channels * sizeof(uint32_t));
  if (nr->estimate == NULL) {
    return 0;
  }
  kws_noise_reduction_reset(nr);
  return 1;
}

void kws_noise_reduction_reset(kws_noise_reduction *nr) {
  memset(nr->estimate, 0, (size_t)nr->n_channels * sizeof(uint32_t));
}

void kws_noise_reduction_apply(kws_noise_reduction *nr, uint32_t *signal) {
  const int bits = nr->smoothing_bits;
  int i;
  for (i = 0; i < nr->n_channels; ++i) {
    const uint32_t smoothing = (i & 1) ? nr->odd_smoothing : nr->even_smoothing;
    const uint32_t keep = (1u << KWS_NOISE_REDUCTION_BITS) - smoothing;
    const uint32_t scaled = signal[i] << bits; /* wraps in 32 bits, like the reference */
    uint32_t estimate = (uint32_t)(((uint64_t)scaled * smoothing +
                                    (uint64_t)nr->estimate[i] * keep) >>
                                   KWS_NOISE_REDUCTION_BITS);
    uint32_t floor, remaining;
    nr->estimate[i] = estimate;
    if (estimate > scaled) {
      estimate = scaled;
    }
    floor = (uint32_t)(((uint64_t)signal[i] * nr->min_signal_remaining) >>
                       KWS_NOISE_REDUCTION_BITS);
    remaining = (scaled - estimate) >> bits;
    signal[i] = remaining > floor ? remaining : floor;
  }
}
