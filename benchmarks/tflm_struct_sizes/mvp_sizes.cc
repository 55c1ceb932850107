// Sizes of the persistent OpData of the Silicon Labs MVP kernels (MLTK's
// cpp/shared/gecko_sdk/tflite_micro_mvp_kernels/kernels/*.cc: each kernel's OpData is its
// accelerator parameter struct plus a few fields). mvp_params.h is extracted by run.sh
// from the MLTK headers (the sli_mvp_ml_*_params_t typedefs); the wrappers below restate
// the field lists of those OpData structs so their sizes can be measured.
extern "C" {
#include "mvp_params.h"
}
enum op_support { kMvp, kCmsisNN, kTFLMrefF32, kTFLMrefI8 };
struct Conv { op_support s; float a, b; int scratch; sli_mvp_ml_conv2d_s8_params_t p; int32_t *m, *sh; };
struct Depthwise { op_support s; float a, b; int scratch; sli_mvp_ml_depthwise_conv2d_s8_params_t p; int32_t *m, *sh; };
struct Add { bool broadcast; int s1, s2; int32_t m1, m2, mo; int os, ls; sli_mvp_ml_add_s8_params_t p; float a, b; };
struct Pool { float a, b; sli_mvp_ml_pooling_s8_params_t p; op_support s; int buffer; };
struct FullyConnected { int32_t m; int sh; sli_mvp_ml_fully_connected_s8_params_t p; float16_t* bias; bool use_mvp; };
#define S(T) sizeof(T), alignof(T)
extern "C" __attribute__((used)) const unsigned kwstiny_sizes[] = {
    0xC0FFEE, S(Conv), S(Depthwise), S(Add), S(Pool), S(FullyConnected), 0xC0FFEE};
