// A model linked into the firmware image (CMake's KWSTINY_MODEL): the .tflite
// bytes go into read-only memory (flash on a microcontroller), 16-byte aligned as
// TFLM expects. Without KWSTINY_MODEL the image has none and models arrive over
// serial.
#include "app/app.h"

#ifdef KWSTINY_LINKED_MODEL_PATH
#define KWS_STR2(x) #x
#define KWS_STR(x) KWS_STR2(x)
__asm__(
    ".section .rodata.kwstiny_model,\"a\"\n"
    ".balign 16\n"
    ".global kwstiny_model_start\n"
    "kwstiny_model_start:\n"
    ".incbin \"" KWS_STR(KWSTINY_LINKED_MODEL_PATH) "\"\n"
    ".global kwstiny_model_end\n"
    "kwstiny_model_end:\n"
    ".previous\n");
extern "C" const uint8_t kwstiny_model_start[];
extern "C" const uint8_t kwstiny_model_end[];
#endif

namespace kws {

LinkedModel linked_model() {
#ifdef KWSTINY_LINKED_MODEL_PATH
  return LinkedModel{kwstiny_model_start, static_cast<size_t>(kwstiny_model_end - kwstiny_model_start)};
#else
  return LinkedModel{nullptr, 0};
#endif
}

}  // namespace kws
