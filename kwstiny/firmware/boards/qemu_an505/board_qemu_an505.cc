// The MPS2 AN505 board (Cortex-M33) as QEMU's mps2-an505 models it: the CMSDK
// APB UART0 (Secure alias 0x50200000) is the serial line, SysTick the counter.
//
// Timing: SysTick runs from the 20 MHz SYSCLK. Under `-icount shift=0` QEMU
// advances virtual time by exactly 1 ns per emulated instruction, so one
// SysTick tick is 50 instructions and counter() reports emulated instructions
// (resolution 50). They are not cycles of any real core.
#include <string.h>

#include "app/app.h"
#include "boards/board.h"
#include "boards/qemu_an505/semihosting.h"

#ifndef KWSTINY_MODEL_SLOT_BYTES
#define KWSTINY_MODEL_SLOT_BYTES (512 * 1024)
#endif
#ifndef KWSTINY_ARENA_BYTES
#define KWSTINY_ARENA_BYTES (160 * 1024)
#endif

namespace {

constexpr uint32_t kSysclkHz = 20000000;
constexpr uint32_t kInstructionsPerTick = 1000000000u / kSysclkHz;  // with -icount shift=0

struct CmsdkUart {
  volatile uint32_t data;
  volatile uint32_t state;   // bit 0 TX full, bit 1 RX full
  volatile uint32_t ctrl;    // bit 0 TX enable, bit 1 RX enable, bit 3 RX interrupt enable
  volatile uint32_t intclr;  // write 1s to clear (bit 1 RX)
  volatile uint32_t bauddiv;
};
CmsdkUart* const kUart0 = reinterpret_cast<CmsdkUart*>(0x50200000u);

struct SysTickRegs {
  volatile uint32_t ctrl, load, val, calib;
};
SysTickRegs* const kSysTick = reinterpret_cast<SysTickRegs*>(0xE000E010u);
volatile uint32_t* const kNvicIser1 = reinterpret_cast<volatile uint32_t*>(0xE000E104u);
volatile uint32_t* const kAircr = reinterpret_cast<volatile uint32_t*>(0xE000ED0Cu);

volatile uint32_t g_wraps = 0;  // SysTick reloads since start-up (every 2^24 ticks)

alignas(16) uint8_t g_model_slot[KWSTINY_MODEL_SLOT_BYTES];
alignas(16) uint8_t g_arena[KWSTINY_ARENA_BYTES];

uint64_t ticks() {
  uint32_t wraps, value;
  do {
    wraps = g_wraps;
    value = kSysTick->val;
  } while (wraps != g_wraps);
  return (static_cast<uint64_t>(wraps) << 24) + (0xFFFFFFu - value);
}

}  // namespace

extern "C" void SysTick_Handler(void) { g_wraps = g_wraps + 1; }
extern "C" void Uart0Rx_Handler(void) { kUart0->intclr = 0x2; }  // only wakes the core from WFI

extern "C" uint8_t __ram_start[], __ram_end[], __ram_used_end[];
extern "C" uint8_t __flash_start[], __flash_end[], __flash_used_end[];

namespace board {

void init() {
  kSysTick->ctrl = 0;
  kSysTick->load = 0xFFFFFFu;
  kSysTick->val = 0;
  kSysTick->ctrl = 0x7;  // enable, interrupt, processor clock
  kUart0->bauddiv = kSysclkHz / 115200;
  kUart0->ctrl = 0x1 | 0x2 | 0x8;
  *kNvicIser1 = 1u << 0;  // IRQ 32: UART0 RX
}

const char* name() { return "qemu_an505"; }
uint32_t clock_hz() { return kSysclkHz; }
const char* counter_unit() { return "emulated_instructions"; }
uint64_t counter() { return ticks() * kInstructionsPerTick; }
uint32_t millis() { return static_cast<uint32_t>(ticks() / (kSysclkHz / 1000)); }

size_t serial_read(uint8_t* data, size_t max) {
  size_t n = 0;
  while (n < max && (kUart0->state & 0x2)) data[n++] = static_cast<uint8_t>(kUart0->data);
  return n;
}

void serial_write(const uint8_t* data, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    while (kUart0->state & 0x1) {
    }
    kUart0->data = data[i];
  }
}

void serial_wait(uint32_t) {
  // Sleep until the UART or SysTick interrupts; a byte that arrived before the
  // WFI leaves its interrupt pending, so WFI returns at once.
  __asm volatile("cpsid i" ::: "memory");
  if (!(kUart0->state & 0x2)) __asm volatile("wfi");
  __asm volatile("cpsie i" ::: "memory");
}

bool reset_requested() { return false; }

void reset() {
  __asm volatile("dsb" ::: "memory");
  *kAircr = 0x05FA0004u;  // VECTKEY | SYSRESETREQ: QEMU resets the whole board
  __asm volatile("dsb" ::: "memory");
  for (;;) {
  }
}

Memory memory() {
  Memory m;
  m.ram_total = static_cast<uint32_t>(__ram_end - __ram_start);
  m.ram_used = static_cast<uint32_t>(__ram_used_end - __ram_start);
  m.flash_total = static_cast<uint32_t>(__flash_end - __flash_start);
  m.flash_used = static_cast<uint32_t>(__flash_used_end - __flash_start);
  return m;
}

const char* accelerator() { return "none"; }
uint8_t* model_slot() { return g_model_slot; }
size_t model_slot_size() { return sizeof(g_model_slot); }
bool model_slot_write(size_t offset, const uint8_t* data, size_t size) {
  if (offset + size > sizeof(g_model_slot)) return false;
  memcpy(g_model_slot + offset, data, size);
  return true;
}
bool mic_start(uint32_t) { return false; }  // no microphone
size_t mic_read(int16_t*, size_t) { return 0; }
void mic_stop() {}
uint8_t* tensor_arena() { return g_arena; }
size_t tensor_arena_size() { return sizeof(g_arena); }

}  // namespace board

int main() {
  for (;;) {
    board::init();
    kws::app_run();
  }
}
