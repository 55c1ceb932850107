/* Reset and fault handling for the Cortex-M33 of the MPS2 AN505 under QEMU:
   the vector table, .data/.bss set-up, the FPU, static constructors, and a
   fault handler that reports over semihosting and stops QEMU. */
#include <stdint.h>

#include "boards/qemu_an505/semihosting.h"

extern uint32_t __data_load, __data_start, __data_end, __bss_start, __bss_end, __stack_top;
extern void (*__init_array_start[])(void);
extern void (*__init_array_end[])(void);
int main(void);

void Reset_Handler(void);
void Default_Handler(void);
static void Fault_Handler(void);
/* The board file defines these; images without it (the unit tests) do not. */
void SysTick_Handler(void) __attribute__((weak, alias("Default_Handler")));
void Uart0Rx_Handler(void) __attribute__((weak, alias("Default_Handler")));

#define SCB_CPACR (*(volatile uint32_t*)0xE000ED88u)
#define SCB_VTOR (*(volatile uint32_t*)0xE000ED08u)

/* 16 system exceptions, then the SSE's 32 internal and the FPGA's expansion
   interrupts; UART0 RX is expansion interrupt 0, i.e. IRQ 32. */
__attribute__((section(".vectors"), used)) static void (*const vectors[16 + 48])(void) = {
    (void (*)(void))(&__stack_top),
    Reset_Handler,
    Default_Handler, /* NMI */
    Fault_Handler,   /* HardFault */
    Fault_Handler,   /* MemManage */
    Fault_Handler,   /* BusFault */
    Fault_Handler,   /* UsageFault */
    Fault_Handler,   /* SecureFault */
    0, 0, 0,
    Default_Handler, /* SVCall */
    Default_Handler, /* DebugMonitor */
    0,
    Default_Handler, /* PendSV */
    SysTick_Handler,
    [16 ... 16 + 31] = Default_Handler,
    [16 + 32] = Uart0Rx_Handler,
    [16 + 33 ... 16 + 47] = Default_Handler,
};

void Reset_Handler(void) {
  SCB_VTOR = (uint32_t)vectors;
  SCB_CPACR |= 0xFu << 20; /* full access to CP10/CP11: the FPU */
  __asm volatile("dsb\n isb");
  uint32_t* src = &__data_load;
  for (uint32_t* dst = &__data_start; dst < &__data_end;) *dst++ = *src++;
  for (uint32_t* dst = &__bss_start; dst < &__bss_end;) *dst++ = 0;
  for (void (**ctor)(void) = __init_array_start; ctor < __init_array_end; ++ctor) (*ctor)();
  semihosting_exit(main());
}

void Default_Handler(void) {
  semihosting_write0("kwstiny-fw: unexpected interrupt\n");
  semihosting_exit(3);
}

static void Fault_Handler(void) {
  semihosting_write0("kwstiny-fw: fault (HardFault/MemManage/BusFault/UsageFault/SecureFault)\n");
  semihosting_exit(4);
}
