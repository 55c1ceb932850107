#include "kws_window.h"

#include <math.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

int kws_window_layout(kws_window *window, kws_arena *arena, size_t size, size_t step) {
  size_t i;
  window->size = size;
  window->step = step;
  window->used = 0;
  window->coefficients = (int16_t *)kws_arena_take(arena, size * sizeof(int16_t));
  window->input = (int16_t *)kws_arena_take(arena, size * sizeof(int16_t));
  if (window->coefficients == NULL || window->input == NULL) {
    return 0;
  }
  /* Periodic-offset Hann: w[i] = 0.5 - 0.5 cos(2 pi (i + 0.5) / size), computed
   * in the mix of float and double TensorFlow's microfrontend uses (the argument
   * step is a float, the cosine and the Q12 rounding are double) so the integer
   * table is the same. */
  {
    const float arg = (float)(M_PI * 2.0 / (double)(float)size);
    for (i = 0; i < size; ++i) {
      const float value =
          (float)(0.5 - kws_rounded_d(0.5 * cos((double)arg * ((double)i + 0.5))));
      window->coefficients[i] =
          (int16_t)floor(kws_rounded_d((double)value * (double)(1 << KWS_WINDOW_BITS)) + 0.5);
    }
  }
  kws_window_reset(window);
  return 1;
}

void kws_window_reset(kws_window *window) {
  memset(window->input, 0, window->size * sizeof(int16_t));
  window->used = 0;
}

int kws_window_apply(kws_window *window, int16_t *out) {
  const size_t size = window->size;
  const int16_t *coefficients = window->coefficients;
  const int16_t *input = window->input;
  int16_t max_abs = 0;
  int shift;
  size_t i;
  for (i = 0; i < size; ++i) {
    const int16_t value = (int16_t)(((int32_t)input[i] * coefficients[i]) >> KWS_WINDOW_BITS);
    /* The reference keeps |value| in an int16, so |-32768| stays -32768 and never
     * counts as the maximum; mirror that to shift identically. */
    const int16_t magnitude = value < 0 ? kws_wrap16(-(int32_t)value) : value;
    out[i] = value;
    if (magnitude > max_abs) {
      max_abs = magnitude;
    }
  }
  shift = 15 - kws_msb32((uint32_t)max_abs);
  if (shift > 0) {
    for (i = 0; i < size; ++i) {
      out[i] = kws_wrap16((int32_t)((uint32_t)(uint16_t)out[i] << shift));
    }
  }
  memmove(window->input, window->input + window->step, (size - window->step) * sizeof(int16_t));
  window->used -= window->step;
  return shift;
}
