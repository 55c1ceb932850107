// Smallest program that loads a model with TFLM, allocates and invokes it, registering
// only the kernels named in KWSTINY_OPS (e.g. -DKWSTINY_OPS='X(Conv2D) X(Add)').
// Linked with --gc-sections, its flash size is the runtime's code for those kernels.
#include "tensorflow/lite/micro/micro_interpreter.h"
#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"

extern const unsigned char* volatile kwstiny_model;  // defined elsewhere: opaque here

#ifndef KWSTINY_OPS
#define KWSTINY_OPS
#endif

alignas(16) static uint8_t arena[16 * 1024];

int main() {
  static tflite::MicroMutableOpResolver<64> resolver;
#define X(name) resolver.Add##name();
  KWSTINY_OPS
#undef X
  const tflite::Model* model = tflite::GetModel(kwstiny_model);
  tflite::MicroInterpreter interpreter(model, resolver, arena, sizeof(arena));
  if (interpreter.AllocateTensors() != kTfLiteOk) return 1;
  return interpreter.Invoke() == kTfLiteOk ? 0 : 2;
}
