#include "kws_dc_notch.h"

void kws_dc_notch_init(kws_dc_notch *filter, float coefficient) {
  /* Truncation toward zero, as MLTK converts the coefficient. */
  filter->coefficient = (int16_t)(coefficient * 32768.0f);
  kws_dc_notch_reset(filter);
}

void kws_dc_notch_reset(kws_dc_notch *filter) {
  filter->prev_in = 0;
  filter->prev_out = 0;
}

void kws_dc_notch_apply(kws_dc_notch *filter, const int16_t *in, int16_t *out, size_t n) {
  const int32_t k = filter->coefficient;
  int16_t prev_in = filter->prev_in;
  int16_t prev_out = filter->prev_out;
  size_t i;
  for (i = 0; i < n; ++i) {
    const int16_t x = in[i];
    const int16_t difference = kws_wrap16((int32_t)x - prev_in);
    /* k * y[n-1] in Q15, rounded half up: ((p >> 14) + 1) >> 1. */
    const int32_t feedback = ((k * prev_out >> 14) + 1) >> 1;
    prev_out = kws_wrap16(difference + feedback);
    prev_in = x;
    out[i] = prev_out;
  }
  filter->prev_in = prev_in;
  filter->prev_out = prev_out;
}
