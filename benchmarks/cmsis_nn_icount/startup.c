/* Minimal bare-metal start for QEMU mps2-an505 (Cortex-M33): copy .data, clear .bss,
 * enable the FPU, open semihosting for printf, run main, exit through semihosting. */
#include <stdint.h>
#include <string.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
extern int main(void);
extern void initialise_monitor_handles(void);
extern void exit(int);
void Reset_Handler(void);

static void Fault_Handler(void) { exit(3); }

__attribute__((section(".isr_vector"), used)) const void *vectors[16] = {
    &_estack,      Reset_Handler, Fault_Handler, Fault_Handler, Fault_Handler, Fault_Handler,
    Fault_Handler, 0,             0,             0,             0,             Fault_Handler,
    Fault_Handler, 0,             Fault_Handler, Fault_Handler};

void _init(void) {}
void _fini(void) {}

void Reset_Handler(void) {
  memcpy(&_sdata, &_sidata, (char *)&_edata - (char *)&_sdata);
  memset(&_sbss, 0, (char *)&_ebss - (char *)&_sbss);
  *(volatile uint32_t *)0xE000ED88 |= (0xFu << 20); /* CPACR: full access to CP10/CP11 */
  __asm volatile("dsb\n isb");
  initialise_monitor_handles();
  exit(main());
}
