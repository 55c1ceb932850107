/* Fixed-point real FFT of int16 samples.
 *
 * Numerically this is the int16 ("FIXED_POINT=16") real FFT of KISS FFT that the TFLM
 * microfrontend uses: a mixed-radix (4, then 2) decimation-in-time complex FFT of
 * half the length, every butterfly input pre-divided by its radix with Q15
 * rounding, followed by the split step that separates the even/odd packed halves.
 * Same twiddles, same rounding, same int16 wrap-around, so the spectrum is identical
 * to the reference bit for bit. The implementation is ours: iterative (a
 * precomputed input order, then the stages from the innermost out), real and
 * imaginary parts in separate arrays and each stage's twiddles stored contiguously,
 * so the butterfly loops vectorize. */
#ifndef KWS_FFT_H_
#define KWS_FFT_H_

#include "kws_common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KWS_FFT_MIN_SIZE 8
#define KWS_FFT_MAX_SIZE 4096
#define KWS_FFT_MAX_STAGES 12

typedef struct kws_cpx {
  int16_t r;
  int16_t i;
} kws_cpx;

typedef struct kws_fft {
  size_t size; /* real length, a power of two */
  size_t n;    /* complex length, size / 2 */
  int n_stages;
  uint8_t radix[KWS_FFT_MAX_STAGES];
  size_t span[KWS_FFT_MAX_STAGES];             /* butterflies per block */
  size_t twiddle_offset[KWS_FFT_MAX_STAGES];   /* each stage's rows in twiddle_r/_i */
  int16_t *twiddle_r;      /* per stage, rows q = 1..radix-1 of span entries: */
  int16_t *twiddle_i;      /*   exp(-2 pi i q k stride / n) in Q15 */
  kws_cpx *split_twiddles; /* n / 2 entries for the real-input split step */
  uint16_t *order;         /* n entries: which packed input feeds each slot */
  int16_t *work_r;         /* n entries */
  int16_t *work_i;         /* n entries */
} kws_fft;

int kws_fft_layout(kws_fft *fft, kws_arena *arena, size_t size);
/* in: size int16 samples; out: size / 2 + 1 complex bins (may overlap in). */
void kws_fft_real(const kws_fft *fft, const int16_t *in, kws_cpx *out);

#ifdef __cplusplus
}
#endif

#endif /* KWS_FFT_H_ */
