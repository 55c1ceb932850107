#include "kernels/depthwise_conv_tflm.h"

#include "kernels/depthwise_conv_s8.h"
#include "tensorflow/lite/c/builtin_op_data.h"
#include "tensorflow/lite/micro/kernels/conv.h"
#include "tensorflow/lite/micro/kernels/depthwise_conv.h"
#include "tensorflow/lite/kernels/kernel_util.h"
#include "tensorflow/lite/micro/kernels/kernel_util.h"

namespace kws {
namespace kernels {
namespace {

TFLMRegistration g_library;  // the kernel the TFLM library was built with

TfLiteStatus Eval(TfLiteContext* context, TfLiteNode* node) {
  const auto& params = *static_cast<const TfLiteDepthwiseConvParams*>(node->builtin_data);
  const TfLiteEvalTensor* input =
      tflite::micro::GetEvalInput(context, node, tflite::kDepthwiseConvInputTensor);
  const TfLiteEvalTensor* filter =
      tflite::micro::GetEvalInput(context, node, tflite::kDepthwiseConvWeightsTensor);
  if (input->type != kTfLiteInt8 || filter->type != kTfLiteInt8 || params.depth_multiplier != 1 ||
      params.dilation_height_factor != 1 || params.dilation_width_factor != 1) {
    return g_library.invoke(context, node);
  }
  const TfLiteEvalTensor* bias =
      tflite::NumInputs(node) == 3
          ? tflite::micro::GetEvalInput(context, node, tflite::kDepthwiseConvBiasTensor)
          : nullptr;
  TfLiteEvalTensor* output =
      tflite::micro::GetEvalOutput(context, node, tflite::kDepthwiseConvOutputTensor);
  // TFLM's reference op data is an OpDataConv; CMSIS-NN's starts with one.
  const auto& data = *static_cast<const tflite::OpDataConv*>(node->user_data);

  kws_dw_conv_params p;
  p.batches = input->dims->data[0];
  p.input_h = input->dims->data[1];
  p.input_w = input->dims->data[2];
  p.channels = input->dims->data[3];
  p.filter_h = filter->dims->data[1];
  p.filter_w = filter->dims->data[2];
  p.output_h = output->dims->data[1];
  p.output_w = output->dims->data[2];
  p.stride_h = params.stride_height;
  p.stride_w = params.stride_width;
  p.pad_h = data.padding.height;
  p.pad_w = data.padding.width;
  p.input_offset = -data.input_zero_point;
  p.output_offset = data.output_zero_point;
  p.activation_min = data.output_activation_min;
  p.activation_max = data.output_activation_max;
  TF_LITE_ENSURE_EQ(context, output->dims->data[3], p.channels);
  kws_depthwise_conv_s8(&p, tflite::micro::GetTensorData<int8_t>(input),
                        tflite::micro::GetTensorData<int8_t>(filter),
                        bias ? tflite::micro::GetTensorData<int32_t>(bias) : nullptr,
                        data.per_channel_output_multiplier, data.per_channel_output_shift,
                        tflite::micro::GetTensorData<int8_t>(output));
  return kTfLiteOk;
}

}  // namespace

TFLMRegistration Register_DEPTHWISE_CONV_2D() {
  g_library = tflite::Register_DEPTHWISE_CONV_2D();
  TFLMRegistration registration = g_library;
  registration.invoke = Eval;
  return registration;
}

}  // namespace kernels
}  // namespace kws
