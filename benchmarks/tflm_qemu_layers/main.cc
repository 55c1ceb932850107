// Runs a model once with TFLM on an emulated Cortex-M33 (QEMU mps2-an505, -icount) and
// prints the instructions of the whole Invoke and of each layer (TFLM profiler events,
// SysTick calibrated against a loop of known length). Built by run.sh.
#include <cstdio>
#include <cstdint>
#include "tensorflow/lite/micro/micro_interpreter.h"
#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"
#include "tensorflow/lite/micro/micro_profiler_interface.h"

extern const unsigned char model_data[];  // run.sh writes it from the .tflite
extern "C" { void* __dso_handle = nullptr; }
#define SYST_CSR (*(volatile uint32_t*)0xE000E010)
#define SYST_RVR (*(volatile uint32_t*)0xE000E014)
#define SYST_CVR (*(volatile uint32_t*)0xE000E018)
static uint32_t ticks(uint32_t a, uint32_t b) { return (a - b) & 0xFFFFFF; }

class Profiler : public tflite::MicroProfilerInterface {
 public:
  uint32_t BeginEvent(const char* tag) override { tags_[n_] = tag; start_[n_] = SYST_CVR; return n_++; }
  void EndEvent(uint32_t h) override { end_[h] = SYST_CVR; }
  void Print() { for (uint32_t i = 0; i < n_; i++) printf("layer %lu %s ticks=%lu\n", (unsigned long)i, tags_[i], (unsigned long)ticks(start_[i], end_[i])); }
  void Reset() { n_ = 0; }
 private:
  const char* tags_[256]; uint32_t start_[256], end_[256]; uint32_t n_ = 0;
};

alignas(16) static uint8_t arena[100 * 1024];

__attribute__((noinline)) static void known_loop(int n) {
  __asm volatile("1: subs %0, %0, #1 \n nop \n nop \n nop \n nop \n nop \n nop \n nop \n bne 1b" : "+r"(n));
}

int main() {
  SYST_RVR = 0xFFFFFF; SYST_CVR = 0; SYST_CSR = 5; while (SYST_CVR == 0) {}
  uint32_t a = SYST_CVR; known_loop(200000); uint32_t b = SYST_CVR;
  printf("calibration insn_per_tick=%.3f\n", 200000.0 * 9 / ticks(a, b));
  // the kernels of TENet-style models (add more here for other models)
  static tflite::MicroMutableOpResolver<16> resolver;
  resolver.AddConv2D(); resolver.AddDepthwiseConv2D(); resolver.AddAdd(); resolver.AddMul();
  resolver.AddAveragePool2D(); resolver.AddMaxPool2D(); resolver.AddReshape();
  resolver.AddFullyConnected(); resolver.AddSoftmax(); resolver.AddMean();
  static Profiler profiler;
  const tflite::Model* model = tflite::GetModel(model_data);
  static tflite::MicroInterpreter interpreter(model, resolver, arena, sizeof(arena), nullptr, &profiler);
  if (interpreter.AllocateTensors() != kTfLiteOk) { printf("allocate failed\n"); return 1; }
  TfLiteTensor* input = interpreter.input(0);
  for (size_t i = 0; i < input->bytes; i++) input->data.int8[i] = (int8_t)((i * 37) % 200 - 100);
  profiler.Reset();
  a = SYST_CVR;
  TfLiteStatus s = interpreter.Invoke();
  b = SYST_CVR;
  printf("invoke status=%d ticks=%lu\n", (int)s, (unsigned long)ticks(a, b));
  profiler.Print();
  return 0;
}
