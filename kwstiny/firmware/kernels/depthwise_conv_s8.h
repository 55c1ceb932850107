// int8 depthwise convolution for hosts: NHWC, channel multiplier 1, per-channel
// requantization, bit-exact with TFLM's reference kernel (TFLM's default double
// rounding). Channels are the innermost loop, so the compiler vectorizes the
// multiply-accumulates; CMSIS-NN's portable path (what x86 gets) loops over the
// filter taps innermost, and took 57 % of the host firmware's time on TENet12.
#ifndef KWSTINY_KERNELS_DEPTHWISE_CONV_S8_H_
#define KWSTINY_KERNELS_DEPTHWISE_CONV_S8_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  int32_t batches;
  int32_t input_h, input_w, channels;
  int32_t filter_h, filter_w;
  int32_t output_h, output_w;
  int32_t stride_h, stride_w;
  int32_t pad_h, pad_w;  // input rows / columns before the first filter position
  int32_t input_offset;  // minus the input zero point
  int32_t output_offset; // the output zero point
  int32_t activation_min, activation_max;
} kws_dw_conv_params;

// TFLM's MultiplyByQuantizedMultiplier (double rounding): x * multiplier * 2^shift / 2^31.
int32_t kws_requantize(int32_t x, int32_t multiplier, int32_t shift);

// filter: [filter_h, filter_w, channels]; bias may be NULL; multiplier and shift are
// per channel (shift > 0 shifts left), as TFLM's OpDataConv holds them.
void kws_depthwise_conv_s8(const kws_dw_conv_params* p, const int8_t* input,
                           const int8_t* filter, const int32_t* bias,
                           const int32_t* multiplier, const int32_t* shift,
                           int8_t* output);

#ifdef __cplusplus
}
#endif

#endif  // KWSTINY_KERNELS_DEPTHWISE_CONV_S8_H_
