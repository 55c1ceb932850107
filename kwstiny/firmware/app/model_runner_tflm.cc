// The TFLM model runner. Everything lives in static storage: the resolver and
// the interpreter are constructed in place at each load (no heap).
#include <string.h>

#include <new>

#include "app/model_runner.h"
#include "app/text.h"
#include "boards/board.h"
#include "tensorflow/lite/micro/micro_interpreter.h"
#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"
#include "tensorflow/lite/micro/micro_profiler_interface.h"
#include "tensorflow/lite/micro/micro_resource_variable.h"
#include "tensorflow/lite/schema/schema_generated.h"
#ifdef KWSTINY_TFLM_LOG_CALLBACK
#include "tensorflow/lite/micro/cortex_m_generic/debug_log_callback.h"
#endif
#ifdef KWSTINY_HOST_DEPTHWISE
#include "kernels/depthwise_conv_tflm.h"
#endif

namespace kws {
namespace runner {
namespace {

// The ops this firmware can register: kwstiny_ops.inc is written by CMake from
// KWSTINY_OPS (default: every op a kwstiny model family produces). Only those a
// model names are registered; the rest cost flash but nothing at run time.
#define KWS_OP(NAME, METHOD) +1
constexpr int kOpCount = 0
#include "kwstiny_ops.inc"
    ;
#undef KWS_OP
using Resolver = tflite::MicroMutableOpResolver<kOpCount>;
using Adder = TfLiteStatus (*)(Resolver& resolver);
struct OpEntry {
  tflite::BuiltinOperator code;
  const char* name;
  Adder add;
};
#define KWS_OP(NAME, METHOD) \
  {tflite::BuiltinOperator_##NAME, #NAME, [](Resolver& r) { return r.METHOD(); }},
const OpEntry kOps[] = {
#include "kwstiny_ops.inc"
};
#undef KWS_OP
constexpr size_t kOpTableSize = sizeof(kOps) / sizeof(kOps[0]);

TfLiteStatus add_op(Resolver& resolver, const OpEntry& op) {
#ifdef KWSTINY_HOST_DEPTHWISE
  if (op.code == tflite::BuiltinOperator_DEPTHWISE_CONV_2D) {
    return resolver.AddDepthwiseConv2D(kernels::Register_DEPTHWISE_CONV_2D());
  }
#endif
  return op.add(resolver);
}

// Collects one event per operator invoke while enabled.
class Profiler : public tflite::MicroProfilerInterface {
 public:
  void start() {
    count_ = 0;
    enabled_ = true;
  }
  void stop() { enabled_ = false; }
  uint32_t BeginEvent(const char* tag) override {
    if (!enabled_ || count_ >= kMaxProfileEvents) return kMaxProfileEvents;
    events_[count_] = ProfileEvent{tag, board::counter()};
    return static_cast<uint32_t>(count_++);
  }
  void EndEvent(uint32_t handle) override {
    if (handle < static_cast<uint32_t>(count_)) {
      events_[handle].ticks = board::counter() - events_[handle].ticks;
    }
  }
  const ProfileEvent* events() const { return events_; }
  int count() const { return count_; }

 private:
  ProfileEvent events_[kMaxProfileEvents] = {};
  int count_ = 0;
  bool enabled_ = false;
};

alignas(Resolver) uint8_t g_resolver_storage[sizeof(Resolver)];
alignas(tflite::MicroInterpreter) uint8_t g_interpreter_storage[sizeof(tflite::MicroInterpreter)];
Resolver* g_resolver = nullptr;
tflite::MicroInterpreter* g_interpreter = nullptr;
const tflite::Model* g_model = nullptr;
Profiler g_profiler;
TensorInfo g_input, g_output;
char g_supported[1024];  // ~430 bytes for the full table
char g_last_log[200];

#ifdef KWSTINY_TFLM_LOG_CALLBACK
void capture_log(const char* line) {
  Text t(g_last_log, sizeof(g_last_log));
  t.add(line);
}
#endif

// The log line TFLM printed last (the reason an allocation or prepare failed).
const char* last_log() { return g_last_log[0] ? g_last_log : "see the board's log"; }

tflite::BuiltinOperator builtin_code(const tflite::OperatorCode* op) {
  // Newer schemas keep codes above 127 in builtin_code and clamp the deprecated byte.
  int deprecated = op->deprecated_builtin_code();
  int code = op->builtin_code();
  return static_cast<tflite::BuiltinOperator>(code > deprecated ? code : deprecated);
}

bool describe(const TfLiteTensor* tensor, TensorInfo* info) {
  if (!tensor) return false;
  *info = TensorInfo{};
  info->type = static_cast<uint8_t>(tensor->type);
  info->rank = static_cast<uint8_t>(tensor->dims->size > kMaxDims ? kMaxDims : tensor->dims->size);
  for (int i = 0; i < info->rank; ++i) info->dims[i] = tensor->dims->data[i];
  info->scale = tensor->params.scale;
  info->zero_point = tensor->params.zero_point;
  info->bytes = static_cast<uint32_t>(tensor->bytes);
  return true;
}

Err fail(Err code, char* error, size_t error_size, const char* what, const char* detail) {
  unload();
  Text(error, error_size).add(what).add(detail);
  return code;
}

}  // namespace

bool available() { return true; }

const char* kernels() {
#if defined(KWSTINY_KERNELS_NAME)
  return KWSTINY_KERNELS_NAME;
#elif defined(CMSIS_NN) && defined(KWSTINY_HOST_DEPTHWISE)
  return "cmsis_nn+kwstiny_depthwise";
#elif defined(CMSIS_NN)
  return "cmsis_nn";
#elif defined(KWSTINY_HOST_DEPTHWISE)
  return "reference+kwstiny_depthwise";
#else
  return "reference";
#endif
}

const char* supported_ops() {
  if (!g_supported[0]) {
    Text t(g_supported, sizeof(g_supported));
    for (size_t i = 0; i < kOpTableSize; ++i) {
      if (i) t.add(',');
      t.add(kOps[i].name);
    }
  }
  return g_supported;
}

Err load(const uint8_t* data, size_t size, char* error, size_t error_size) {
  unload();
#ifdef KWSTINY_TFLM_LOG_CALLBACK
  RegisterDebugLogCallback(capture_log);
#endif
  g_last_log[0] = '\0';
  flatbuffers::Verifier verifier(data, size);
  if (size < 8 || !tflite::VerifyModelBuffer(verifier)) {
    return fail(Err::kModelInvalid, error, error_size, "not a valid TFLite model", "");
  }
  const tflite::Model* model = tflite::GetModel(data);
  if (model->version() != TFLITE_SCHEMA_VERSION || !model->subgraphs() ||
      model->subgraphs()->size() < 1 || !model->operator_codes()) {
    return fail(Err::kModelInvalid, error, error_size, "unsupported TFLite schema version or no graph", "");
  }
  g_resolver = new (g_resolver_storage) Resolver();
  bool added[kOpTableSize] = {};
  for (const tflite::OperatorCode* op : *model->operator_codes()) {
    tflite::BuiltinOperator code = builtin_code(op);
    if (code == tflite::BuiltinOperator_CUSTOM) {
      const char* name = op->custom_code() ? op->custom_code()->c_str() : "?";
      return fail(Err::kUnsupportedOp, error, error_size, "the model uses a custom op: ", name);
    }
    size_t i = 0;
    while (i < kOpTableSize && kOps[i].code != code) ++i;
    if (i == kOpTableSize) {
      return fail(Err::kUnsupportedOp, error, error_size,
                  "this firmware does not include the op ", tflite::EnumNameBuiltinOperator(code));
    }
    if (!added[i] && add_op(*g_resolver, kOps[i]) != kTfLiteOk) {
      return fail(Err::kUnsupportedOp, error, error_size, "could not register op ", kOps[i].name);
    }
    added[i] = true;
  }
  // A streaming model keeps its state in resource variables (one per VAR_HANDLE);
  // they live in the arena, beside the tensors.
  int variables = 0;
  for (const tflite::SubGraph* graph : *model->subgraphs()) {
    if (!graph->operators()) continue;
    for (const tflite::Operator* op : *graph->operators()) {
      if (builtin_code(model->operator_codes()->Get(op->opcode_index())) ==
          tflite::BuiltinOperator_VAR_HANDLE) {
        ++variables;
      }
    }
  }
  if (variables == 0) {
    g_interpreter = new (g_interpreter_storage) tflite::MicroInterpreter(
        model, *g_resolver, board::tensor_arena(), board::tensor_arena_size(), nullptr, &g_profiler);
  } else {
    tflite::MicroAllocator* allocator =
        tflite::MicroAllocator::Create(board::tensor_arena(), board::tensor_arena_size());
    tflite::MicroResourceVariables* resources =
        allocator ? tflite::MicroResourceVariables::Create(allocator, variables) : nullptr;
    if (!resources) {
      return fail(Err::kArenaTooSmall, error, error_size, "no arena room for the model's state: ",
                  last_log());
    }
    g_interpreter = new (g_interpreter_storage)
        tflite::MicroInterpreter(model, *g_resolver, allocator, resources, &g_profiler);
  }
  if (g_interpreter->AllocateTensors() != kTfLiteOk) {
    return fail(Err::kArenaTooSmall, error, error_size, "tensor allocation failed: ", last_log());
  }
  if (g_interpreter->inputs_size() != 1 || g_interpreter->outputs_size() != 1) {
    return fail(Err::kModelInvalid, error, error_size,
                "the firmware runs models with exactly one input and one output", "");
  }
  describe(g_interpreter->input(0), &g_input);
  describe(g_interpreter->output(0), &g_output);
  g_model = model;
  return Err::kOk;
}

void unload() {
  if (g_interpreter) g_interpreter->~MicroInterpreter();
  if (g_resolver) g_resolver->~Resolver();
  g_interpreter = nullptr;
  g_resolver = nullptr;
  g_model = nullptr;
  g_input = TensorInfo{};
  g_output = TensorInfo{};
}

bool loaded() { return g_model != nullptr; }
void reset_state() {
  if (g_interpreter) g_interpreter->Reset();
}
const TensorInfo& input() { return g_input; }
const TensorInfo& output() { return g_output; }
uint8_t* input_data() { return loaded() ? g_interpreter->input(0)->data.uint8 : nullptr; }
const uint8_t* output_data() { return loaded() ? g_interpreter->output(0)->data.uint8 : nullptr; }
uint32_t arena_used() { return loaded() ? static_cast<uint32_t>(g_interpreter->arena_used_bytes()) : 0; }
uint32_t n_operators() {
  return loaded() ? g_model->subgraphs()->Get(0)->operators()->size() : 0;
}

bool metadata(const char** json, size_t* size) {
  if (!loaded() || !g_model->metadata() || !g_model->buffers()) return false;
  for (const tflite::Metadata* entry : *g_model->metadata()) {
    if (!entry->name() || strcmp(entry->name()->c_str(), "kwstiny") != 0) continue;
    if (entry->buffer() >= g_model->buffers()->size()) return false;
    const tflite::Buffer* buffer = g_model->buffers()->Get(entry->buffer());
    if (buffer->data()) {
      *json = reinterpret_cast<const char*>(buffer->data()->data());
      *size = buffer->data()->size();
      return true;
    }
    if (buffer->offset() > 1) {  // buffers stored after the flatbuffer (models > 2 GB)
      *json = reinterpret_cast<const char*>(g_model) + buffer->offset();
      *size = static_cast<size_t>(buffer->size());
      return true;
    }
    return false;
  }
  return false;
}

Err invoke(uint64_t* ticks, char* error, size_t error_size) {
  if (!loaded()) {
    Text(error, error_size).add("no model is loaded");
    return Err::kNoModel;
  }
  g_last_log[0] = '\0';
  uint64_t start = board::counter();
  TfLiteStatus status = g_interpreter->Invoke();
  *ticks = board::counter() - start;
  if (status != kTfLiteOk) {
    Text(error, error_size).add("invoke failed: ").add(last_log());
    return Err::kInvokeFailed;
  }
  return Err::kOk;
}

Err profile(uint64_t* ticks, const ProfileEvent** events, int* n_events, char* error,
            size_t error_size) {
  g_profiler.start();
  Err status = invoke(ticks, error, error_size);
  g_profiler.stop();
  *events = g_profiler.events();
  *n_events = g_profiler.count();
  return status;
}

}  // namespace runner
}  // namespace kws
