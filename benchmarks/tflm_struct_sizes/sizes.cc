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
#include "tensorflow/lite/micro/kernels/pooling.h"
#include "tensorflow/lite/micro/memory_planner/greedy_memory_planner.h"
#include "tensorflow/lite/micro/micro_allocator.h"
#include "tensorflow/lite/micro/recording_micro_allocator.h"

using namespace tflite;
#define S(T) sizeof(T), alignof(T)

// Order: the names run.sh prints (keep the two lists together).
extern "C" __attribute__((used)) const unsigned kwstiny_sizes[] = {
    0xC0FFEE,
    S(SingleArenaBufferAllocator), S(RecordingSingleArenaBufferAllocator),
    S(GreedyMemoryPlanner), S(MicroAllocator), S(RecordingMicroAllocator),
    S(SubgraphAllocations), S(TfLiteEvalTensor), S(NodeAndRegistration), S(TfLiteTensor),
    S(TfLiteAffineQuantization), S(TfLiteTensor*),
    S(TfLiteConvParams), S(TfLiteDepthwiseConvParams), S(TfLiteAddParams),
    S(TfLitePoolParams), S(TfLiteReshapeParams), S(TfLiteFullyConnectedParams),
    S(TfLiteSoftmaxParams),
    S(OpDataConv), S(OpDataFullyConnected), S(OpDataAdd), S(OpDataPooling), S(SoftmaxParams),
    0xC0FFEE};
