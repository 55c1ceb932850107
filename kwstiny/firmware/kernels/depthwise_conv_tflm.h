// DEPTHWISE_CONV_2D for host builds: the TFLM library's own kernel (reference or
// CMSIS-NN) prepares the op; int8 layers with channel multiplier 1 and no dilation
// run kws_depthwise_conv_s8, the rest the library's kernel.
#ifndef KWSTINY_KERNELS_DEPTHWISE_CONV_TFLM_H_
#define KWSTINY_KERNELS_DEPTHWISE_CONV_TFLM_H_

#include "tensorflow/lite/micro/micro_common.h"

namespace kws {
namespace kernels {

TFLMRegistration Register_DEPTHWISE_CONV_2D();

}  // namespace kernels
}  // namespace kws

#endif  // KWSTINY_KERNELS_DEPTHWISE_CONV_TFLM_H_
