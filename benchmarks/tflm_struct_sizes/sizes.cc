// Sizes and alignments of what TFLM allocates in its tensor arena, for the ABI this file
// is compiled for (run.sh: x86-64 as the tflite-micro wheel, Cortex-M33 as the firmware).
// Only headers are used; nothing runs: the numbers sit between two markers in .rodata.
#include "tensorflow/lite/core/c/builtin_op_data.h"
#include "tensorflow/lite/kernels/internal/types.h"
#include "tensorflow/lite/micro/arena_allocator/recording_single_arena_buffer_allocator.h"
#include "tensorflow/lite/micro/arena_allocator/single_arena_buffer_allocator.h"
#include "tensorflow/lite/micro/kernels/add.h"
#include "tensorflow/lite/micro/kernels/conv.h"
#include "tensorflow/lite/micro/kernels/fully_connected.h"
#include "tensorflow/lite/micro/kernels/mul.h"
#include "tensorflow/lite/micro/kernels/pooling.h"
#include "tensorflow/lite/micro/memory_planner/greedy_memory_planner.h"
#include "tensorflow/lite/micro/micro_allocator.h"
#include "tensorflow/lite/micro/recording_micro_allocator.h"

using namespace tflite;
#define S(T) sizeof(T), alignof(T)

// TFLM's CMSIS-NN kernels keep their OpData in their .cc files; these restate its
// fields (kernels/cmsis_nn/{conv,depthwise_conv,fully_connected,pooling,softmax,add}.cc)
// so its size can be measured.
struct CmsisNnConv { OpDataConv reference; int buffer_idx; };
struct CmsisNnFullyConnected {
  OpDataFullyConnected reference; int buffer_conv_1x1_idx; int buffer_idx;
  int32_t* kernel_sums; int32_t batches; int32_t accum_depth; int32_t output_depth; };
struct CmsisNnPooling { OpDataPooling reference; int buffer_idx; };
struct CmsisNnSoftmax { SoftmaxParams params; int32_t num_rows; int32_t row_size; };
struct CmsisNnAdd {
  bool requires_broadcast; int input1_shift, input2_shift;
  int32_t output_activation_min, output_activation_max;
  int32_t input1_multiplier, input2_multiplier, output_multiplier;
  int output_shift, left_shift; int32_t input1_offset, input2_offset, output_offset;
  float output_activation_min_f32, output_activation_max_f32; };

// Order: the names run.sh prints (keep the two lists together).
extern "C" __attribute__((used)) const unsigned kwstiny_sizes[] = {
    0xC0FFEE,
    S(SingleArenaBufferAllocator), S(RecordingSingleArenaBufferAllocator),
    S(GreedyMemoryPlanner), S(MicroAllocator), S(RecordingMicroAllocator),
    S(SubgraphAllocations), S(TfLiteEvalTensor), S(NodeAndRegistration), S(TfLiteTensor),
    S(TfLiteAffineQuantization), S(TfLiteTensor*), S(ScratchBufferHandle),
    S(TfLiteConvParams), S(TfLiteDepthwiseConvParams), S(TfLiteAddParams),
    S(TfLitePoolParams), S(TfLiteReshapeParams), S(TfLiteFullyConnectedParams),
    S(TfLiteSoftmaxParams),
    S(OpDataConv), S(OpDataFullyConnected), S(OpDataAdd), S(OpDataPooling), S(SoftmaxParams),
    S(CmsisNnConv), S(CmsisNnFullyConnected), S(CmsisNnPooling), S(CmsisNnSoftmax),
    S(CmsisNnAdd), S(TfLiteMulParams), S(OpDataMul),
    0xC0FFEE};
