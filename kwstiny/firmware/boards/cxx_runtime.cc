// What a C++ image without exceptions, RTTI or heap still needs from the
// runtime: classes with virtual destructors (TFLM's interfaces) reference the
// deleting destructor's operator delete, which never runs because nothing is
// ever allocated with new.
#include <stddef.h>

void operator delete(void*) noexcept {}
void operator delete(void*, size_t) noexcept {}

extern "C" void __cxa_pure_virtual() {
  for (;;) {
  }
}
