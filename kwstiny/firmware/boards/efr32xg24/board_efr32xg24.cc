// The EFR32xG24 (Cortex-M33 at 78 MHz with the MVP accelerator), e.g. the xG24 Dev
// Kit BRD2601B, built inside a Gecko SDK project (see README.md, "EFR32xG24"): the
// SDK supplies the device headers, sl_system_init(), the VCOM iostream, the
// microphone driver (sl_mic), the flash controller (MSC) API and a TFLM whose conv,
// depthwise conv, fully connected, add and pooling kernels run on the MVP.
//
// This file is not compiled by firmware/CMakeLists.txt (no SDK there); nothing in
// the host and QEMU builds depends on it.
#include <string.h>

#include "app/app.h"
#include "boards/board.h"
#include "em_device.h"
#include "em_msc.h"
#include "sl_iostream.h"
#include "sl_iostream_handles.h"
#include "sl_iostream_init_eusart_instances.h"
#include "sl_mic.h"
#include "sl_sleeptimer.h"
#include "sl_system_init.h"

#ifndef KWSTINY_MODEL_SLOT_BYTES
#define KWSTINY_MODEL_SLOT_BYTES (512 * 1024)  // flash, whole pages
#endif
#ifndef KWSTINY_ARENA_BYTES
#define KWSTINY_ARENA_BYTES (96 * 1024)  // RAM: TENet12 (alexa) needs about 52 KB
#endif

namespace {

static_assert(KWSTINY_MODEL_SLOT_BYTES % FLASH_PAGE_SIZE == 0, "the model slot must be whole flash pages");

// Models loaded over serial live in flash; the linker keeps this array in .rodata.
__attribute__((aligned(FLASH_PAGE_SIZE), used)) const uint8_t g_model_slot[KWSTINY_MODEL_SLOT_BYTES] = {0};
alignas(16) uint8_t g_arena[KWSTINY_ARENA_BYTES];

void enable_cycle_counter() {
  CoreDebug->DEMCR |= CoreDebug_DEMCR_TRCENA_Msk;
  DWT->CYCCNT = 0;
  DWT->CTRL |= DWT_CTRL_CYCCNTENA_Msk;
}

// DWT->CYCCNT is 32 bits (55 s at 78 MHz); extend it whenever counter() runs.
uint64_t g_cycles_high = 0;
uint32_t g_cycles_last = 0;

// Microphone: the driver fills one half of a ping-pong buffer while the callback
// copies the other into a ring the stream reads from. When the stream falls behind
// by a whole ring, new audio is dropped (the ISR never moves the reader's index).
constexpr uint32_t kMicBlock = 160;
int16_t g_mic_dma[2 * kMicBlock];
int16_t g_mic_ring[4096];
volatile uint32_t g_mic_head = 0, g_mic_tail = 0;

void mic_ready(const void* buffer, uint32_t n_frames) {
  const int16_t* samples = static_cast<const int16_t*>(buffer);
  for (uint32_t i = 0; i < n_frames && g_mic_head - g_mic_tail < 4096; ++i) {
    g_mic_ring[g_mic_head % 4096] = samples[i];
    g_mic_head = g_mic_head + 1;
  }
}

}  // namespace

// The linker script of the Gecko SDK (autogen/linkerfile.ld) defines these.
extern "C" uint32_t __etext, __data_start__, __data_end__, __bss_end__;

namespace board {

void init() {
  // Reads return at once with what the EUSART's interrupt-fed ring buffer holds.
  sl_iostream_uart_set_read_block(sl_iostream_uart_vcom_handle, false);
}

const char* name() { return "efr32xg24"; }
uint32_t clock_hz() { return SystemCoreClockGet(); }
const char* counter_unit() { return "cycles"; }

uint64_t counter() {
  uint32_t now = DWT->CYCCNT;
  if (now < g_cycles_last) g_cycles_high += 1ull << 32;
  g_cycles_last = now;
  return g_cycles_high | now;
}

uint32_t millis() {
  uint64_t ms = 0;
  sl_sleeptimer_tick64_to_ms(sl_sleeptimer_get_tick_count64(), &ms);
  return static_cast<uint32_t>(ms);
}

size_t serial_read(uint8_t* data, size_t max) {
  size_t n = 0;
  if (sl_iostream_read(sl_iostream_vcom_handle, data, max, &n) != SL_STATUS_OK) return 0;
  return n;
}

void serial_write(const uint8_t* data, size_t size) { sl_iostream_write(sl_iostream_vcom_handle, data, size); }

void serial_wait(uint32_t) {
  // The EUSART RX interrupt ends a WFI; nothing else needs the CPU meanwhile.
  __WFI();
}

bool reset_requested() { return false; }
void reset() { NVIC_SystemReset(); }

Memory memory() {
  Memory m;
  m.ram_total = SRAM_SIZE;
  m.ram_used = reinterpret_cast<uint32_t>(&__bss_end__) - SRAM_BASE;
  m.flash_total = FLASH_SIZE;
  m.flash_used = reinterpret_cast<uint32_t>(&__etext) - FLASH_BASE +
                 (reinterpret_cast<uint32_t>(&__data_end__) - reinterpret_cast<uint32_t>(&__data_start__));
  return m;
}

const char* accelerator() { return "MVP"; }
uint8_t* model_slot() { return const_cast<uint8_t*>(g_model_slot); }
size_t model_slot_size() { return sizeof(g_model_slot); }

// Chunks arrive in order: erase each page as the transfer reaches it, then program
// words (the MSC writes 32-bit words; a final partial word is padded with 0xFF).
bool model_slot_write(size_t offset, const uint8_t* data, size_t size) {
  if (offset + size > sizeof(g_model_slot) || offset % 4 != 0) return false;
  uintptr_t base = reinterpret_cast<uintptr_t>(g_model_slot);
  MSC_Init();
  bool ok = true;
  for (size_t page = (offset + FLASH_PAGE_SIZE - 1) / FLASH_PAGE_SIZE * FLASH_PAGE_SIZE;
       ok && page < offset + size; page += FLASH_PAGE_SIZE) {
    ok = MSC_ErasePage(reinterpret_cast<uint32_t*>(base + page)) == mscReturnOk;
  }
  size_t whole = size & ~static_cast<size_t>(3);
  if (ok && whole) {
    ok = MSC_WriteWord(reinterpret_cast<uint32_t*>(base + offset), data, whole) == mscReturnOk;
  }
  if (ok && whole < size) {
    uint8_t last[4] = {0xFF, 0xFF, 0xFF, 0xFF};
    memcpy(last, data + whole, size - whole);
    ok = MSC_WriteWord(reinterpret_cast<uint32_t*>(base + offset + whole), last, 4) == mscReturnOk;
  }
  MSC_Deinit();
  return ok;
}

bool mic_start(uint32_t sample_rate_hz) {
  g_mic_head = g_mic_tail = 0;
  return sl_mic_init(sample_rate_hz, 1) == SL_STATUS_OK &&
         sl_mic_start_streaming(g_mic_dma, kMicBlock, mic_ready) == SL_STATUS_OK;
}

size_t mic_read(int16_t* samples, size_t max) {
  size_t n = 0;
  while (n < max && g_mic_tail != g_mic_head) {
    samples[n++] = g_mic_ring[g_mic_tail % 4096];
    g_mic_tail = g_mic_tail + 1;
  }
  return n;
}

void mic_stop() {
  sl_mic_stop();
  sl_mic_deinit();
}

uint8_t* tensor_arena() { return g_arena; }
size_t tensor_arena_size() { return sizeof(g_arena); }

}  // namespace board

int main() {
  sl_system_init();  // clocks, DC-DC, VCOM EUSART, sleeptimer, MVP (SDK components)
  enable_cycle_counter();
  for (;;) {
    board::init();
    kws::app_run();
  }
}
