#include "depthwise_conv_s8.h"

// Channels per accumulator block: 64 int32 sums stay in registers or L1.
#define KWS_DW_BLOCK 64

static inline int32_t min_i32(int32_t a, int32_t b) { return a < b ? a : b; }
static inline int32_t max_i32(int32_t a, int32_t b) { return a > b ? a : b; }

int32_t kws_requantize(int32_t x, int32_t multiplier, int32_t shift) {
  const int32_t left = shift > 0 ? shift : 0;
  const int32_t right = shift > 0 ? 0 : -shift;
  // TFLM multiplies in int32 (wrapping in practice); do it unsigned to stay defined.
  const int32_t a = (int32_t)((uint32_t)x << left);
  // gemmlowp's SaturatingRoundingDoublingHighMul.
  int32_t high;
  if (a == INT32_MIN && multiplier == INT32_MIN) {
    high = INT32_MAX;
  } else {
    const int64_t ab = (int64_t)a * multiplier;
    const int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    high = (int32_t)((ab + nudge) / ((int64_t)1 << 31));
  }
  // gemmlowp's RoundingDivideByPOT.
  const int32_t mask = (int32_t)(((int64_t)1 << right) - 1);
  const int32_t remainder = high & mask;
  const int32_t threshold = (mask >> 1) + (high < 0 ? 1 : 0);
  return (high >> right) + (remainder > threshold ? 1 : 0);
}

void kws_depthwise_conv_s8(const kws_dw_conv_params* p, const int8_t* input,
                           const int8_t* filter, const int32_t* bias,
                           const int32_t* multiplier, const int32_t* shift,
                           int8_t* output) {
  const int32_t channels = p->channels;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t* batch_input = input + (int64_t)b * p->input_h * p->input_w * channels;
    for (int32_t oy = 0; oy < p->output_h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_h;
      const int32_t ky_begin = max_i32(0, -iy0);
      const int32_t ky_end = min_i32(p->filter_h, p->input_h - iy0);
      for (int32_t ox = 0; ox < p->output_w; ++ox) {
        const int32_t ix0 = ox * p->stride_w - p->pad_w;
        const int32_t kx_begin = max_i32(0, -ix0);
        const int32_t kx_end = min_i32(p->filter_w, p->input_w - ix0);
        for (int32_t c0 = 0; c0 < channels; c0 += KWS_DW_BLOCK) {
          const int32_t n = min_i32(KWS_DW_BLOCK, channels - c0);
          int32_t acc[KWS_DW_BLOCK];
          for (int32_t c = 0; c < n; ++c) acc[c] = bias ? bias[c0 + c] : 0;
          for (int32_t ky = ky_begin; ky < ky_end; ++ky) {
            for (int32_t kx = kx_begin; kx < kx_end; ++kx) {
              const int8_t* in =
                  batch_input + ((int64_t)(iy0 + ky) * p->input_w + (ix0 + kx)) * channels + c0;
              const int8_t* f = filter + ((int64_t)ky * p->filter_w + kx) * channels + c0;
              for (int32_t c = 0; c < n; ++c) {
                acc[c] += ((int32_t)in[c] + p->input_offset) * (int32_t)f[c];
              }
            }
          }
          for (int32_t c = 0; c < n; ++c) {
            int32_t v = kws_requantize(acc[c], multiplier[c0 + c], shift[c0 + c]) + p->output_offset;
            v = max_i32(v, p->activation_min);
            v = min_i32(v, p->activation_max);
            *output++ = (int8_t)v;
          }
        }
      }
    }
  }
}
