/* Framing and Hann window.
 *
 * Samples collect in `input` until a whole window is there; then the window is
 * applied (Q12 coefficients) into the FFT's input buffer and the input shifts down
 * by one step. The largest windowed magnitude sets how far the FFT input is
 * shifted up, so the int16 FFT keeps as many bits as possible (TFLM microfrontend). */
#ifndef KWS_WINDOW_H_
#define KWS_WINDOW_H_

#include "kws_common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KWS_WINDOW_BITS 12

typedef struct kws_window {
  size_t size;           /* samples per window */
  size_t step;           /* samples per step */
  size_t used;           /* samples waiting in input */
  int16_t *coefficients; /* size entries, Q12 */
  int16_t *input;        /* size entries */
} kws_window;

/* Takes the buffers from the arena; fills the coefficients when memory is real. */
int kws_window_layout(kws_window *window, kws_arena *arena, size_t size, size_t step);
void kws_window_reset(kws_window *window);
/* Windows the full input into out (size entries, scaled up by the returned shift
 * in 0..15) and steps the input forward. */
int kws_window_apply(kws_window *window, int16_t *out);

#ifdef __cplusplus
}
#endif

#endif /* KWS_WINDOW_H_ */
