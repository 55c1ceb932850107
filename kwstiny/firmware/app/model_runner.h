// Runs a .tflite with TensorFlow Lite Micro: builds the op resolver from the ops
// the model names, allocates the arena, invokes, and profiles per operator.
// Built from model_runner_tflm.cc when the firmware has TFLM, otherwise from
// model_runner_none.cc, whose every call answers Err::kNoRuntime.
#ifndef KWSTINY_APP_MODEL_RUNNER_H_
#define KWSTINY_APP_MODEL_RUNNER_H_

#include <stddef.h>
#include <stdint.h>

#include "protocol/messages.h"

namespace kws {

constexpr int kMaxDims = 6;

struct TensorInfo {
  uint8_t type = 0;  // TfLiteType numbering (int8 = 9, uint8 = 3, int16 = 7, float32 = 1)
  uint8_t rank = 0;
  int32_t dims[kMaxDims] = {};
  float scale = 0.0f;
  int32_t zero_point = 0;
  uint32_t bytes = 0;
};

struct ProfileEvent {
  const char* tag;  // the operator's name as TFLM registers it ("CONV_2D")
  uint64_t ticks;   // board::counter() units
};

constexpr int kMaxProfileEvents = 256;

namespace runner {

bool available();
// "reference", "cmsis_nn" or the board SDK's kernels ("mvp"); host builds add
// "+kwstiny_depthwise" when kernels/depthwise_conv_tflm.cc runs DEPTHWISE_CONV_2D.
const char* kernels();
// Builtin operators this firmware can register, comma-separated.
const char* supported_ops();

// Builds an interpreter for the model at `data`, which must stay in place while
// loaded. On failure nothing is loaded and `error` says why.
Err load(const uint8_t* data, size_t size, char* error, size_t error_size);
void unload();
bool loaded();

const TensorInfo& input();
const TensorInfo& output();
uint8_t* input_data();
const uint8_t* output_data();
uint32_t arena_used();
uint32_t n_operators();
// The model's "kwstiny" metadata (UTF-8 JSON), if it has one.
bool metadata(const char** json, size_t* size);

Err invoke(uint64_t* ticks, char* error, size_t error_size);
// Sets a streaming model's state (its resource variables) back to the initial zeros.
void reset_state();
// Invokes once with the per-operator profiler attached.
Err profile(uint64_t* ticks, const ProfileEvent** events, int* n_events, char* error,
            size_t error_size);

}  // namespace runner
}  // namespace kws

#endif  // KWSTINY_APP_MODEL_RUNNER_H_
