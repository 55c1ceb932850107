/* Bare-metal start-up for QEMU's mps2-an505 (Cortex-M33): vector table, FPU on,
 * .data/.bss set up, main(), then exit through Arm semihosting with main's status.
 * Only for running tests/c programs under qemu-system-arm; no heap, no stdio. */
#include <stdint.h>

extern int main(void);
extern uint32_t __stack_top, __etext, __data_start__, __data_end__, __bss_start__, __bss_end__;

static int semihost(int operation, const void *argument) {
  register int r0 __asm__("r0") = operation;
  register const void *r1 __asm__("r1") = argument;
  __asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

/* SYS_WRITE0: a NUL-terminated string to the host's console. */
void semihost_write0(const char *text) { semihost(0x04, text); }

void reset_handler(void) {
  uint32_t *source = &__etext, *target = &__data_start__;
  *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20; /* CPACR: CP10/CP11 full access */
  __asm volatile("dsb\n\tisb");
  while (target < &__data_end__) {
    *target++ = *source++;
  }
  for (target = &__bss_start__; target < &__bss_end__;) {
    *target++ = 0;
  }
  {
    /* SYS_EXIT_EXTENDED(ADP_Stopped_ApplicationExit, status): QEMU exits with it. */
    const uint32_t block[2] = {0x20026u, (uint32_t)main()};
    semihost(0x20, block);
  }
  for (;;) {
  }
}

void fault_handler(void) {
  semihost_write0("fault\n");
  {
    const uint32_t block[2] = {0x20026u, 99u};
    semihost(0x20, block);
  }
  for (;;) {
  }
}

__attribute__((section(".vectors"), used)) void (*const vectors[16])(void) = {
    (void (*)(void))&__stack_top, reset_handler, fault_handler, fault_handler,
    fault_handler,                fault_handler, fault_handler, fault_handler,
    0,                            0,             0,             fault_handler,
    fault_handler,                0,             fault_handler, fault_handler};
