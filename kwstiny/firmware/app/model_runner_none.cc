// The model runner of a firmware built without TFLM (no TFLM_ROOT): the
// protocol, frontend and detector work; anything that needs a model says why not.
#include "app/model_runner.h"
#include "app/text.h"

namespace kws {
namespace runner {
namespace {
const TensorInfo kNone;
Err no_runtime(char* error, size_t error_size) {
  Text(error, error_size).add("this firmware was built without TFLM (configure with -DTFLM_ROOT=...)");
  return Err::kNoRuntime;
}
}  // namespace

bool available() { return false; }
const char* kernels() { return "none"; }
const char* supported_ops() { return ""; }
Err load(const uint8_t*, size_t, char* error, size_t error_size) {
  return no_runtime(error, error_size);
}
void unload() {}
void reset_state() {}  // no runtime: no model, no state
bool loaded() { return false; }
const TensorInfo& input() { return kNone; }
const TensorInfo& output() { return kNone; }
uint8_t* input_data() { return nullptr; }
const uint8_t* output_data() { return nullptr; }
uint32_t arena_used() { return 0; }
uint32_t n_operators() { return 0; }
bool metadata(const char**, size_t*) { return false; }
Err invoke(uint64_t*, char* error, size_t error_size) { return no_runtime(error, error_size); }
Err profile(uint64_t*, const ProfileEvent**, int*, char* error, size_t error_size) {
  return no_runtime(error, error_size);
}

}  // namespace runner
}  // namespace kws
