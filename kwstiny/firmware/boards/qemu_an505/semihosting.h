/* Arm semihosting calls (BKPT 0xAB on M-profile), served by QEMU when started
   with -semihosting-config enable=on,target=native. */
#ifndef KWSTINY_BOARDS_QEMU_SEMIHOSTING_H_
#define KWSTINY_BOARDS_QEMU_SEMIHOSTING_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

static inline uint32_t semihosting_call(uint32_t op, const void* arg) {
  register uint32_t r0 __asm("r0") = op;
  register const void* r1 __asm("r1") = arg;
  __asm volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

/* Prints a NUL-terminated string on QEMU's standard output. */
static inline void semihosting_write0(const char* text) { semihosting_call(0x04, text); }

/* Ends the emulation with an exit status (SYS_EXIT_EXTENDED). */
__attribute__((noreturn)) static inline void semihosting_exit(int status) {
  uint32_t block[2] = {0x20026u /* ADP_Stopped_ApplicationExit */, (uint32_t)status};
  semihosting_call(0x20, block);
  for (;;) {
  }
}

#ifdef __cplusplus
}
#endif

#endif
