// What the application needs from a board. Each board directory implements this
// once (host: POSIX, qemu_an505: bare-metal Cortex-M33 under QEMU, efr32xg24: the
// Gecko SDK), and the application never touches hardware directly.
#ifndef KWSTINY_BOARDS_BOARD_H_
#define KWSTINY_BOARDS_BOARD_H_

#include <stddef.h>
#include <stdint.h>

namespace board {

struct Memory {
  uint32_t ram_total;
  uint32_t ram_used;    // static data, stack and buffers reserved at link/start-up time
  uint32_t flash_total;
  uint32_t flash_used;  // firmware image (code, constants, linked-in model)
};

// Brings up clocks, the serial line and the counter. Called again after a soft reset.
void init();

const char* name();
uint32_t clock_hz();
// What counter() counts: "cycles", "nanoseconds" or "emulated_instructions".
const char* counter_unit();
// A monotonic 64-bit count for profiling, in counter_unit().
uint64_t counter();
// Milliseconds since start-up, for protocol time-outs.
uint32_t millis();

// Reads up to `max` bytes already received; returns 0 at once when none are waiting.
size_t serial_read(uint8_t* data, size_t max);
// Sends all bytes (blocking until the line has taken them).
void serial_write(const uint8_t* data, size_t size);
// Waits until a byte may be available or `timeout_ms` has passed (may return early).
void serial_wait(uint32_t timeout_ms);

// True once a reset was requested from outside (host board: SIGUSR1); the
// application then returns from its loop and is started again.
bool reset_requested();
// Restarts the board; does not return on hardware. The host board restarts the
// application in the same process so the serial connection survives, as it does
// on a real UART.
void reset();

Memory memory();
// The accelerator the board's TFLM kernels use ("MVP"), or "none".
const char* accelerator();

// The slot a model is loaded into over serial (RAM or flash, board's choice).
uint8_t* model_slot();
size_t model_slot_size();
// Copies bytes into the slot (a flash slot erases and programs pages here).
bool model_slot_write(size_t offset, const uint8_t* data, size_t size);

// The board's microphone, if it has one (efr32xg24): mono int16 at sample_rate_hz.
// mic_start() returns false on boards without one.
bool mic_start(uint32_t sample_rate_hz);
// Copies up to `max` samples captured since the last call; 0 when none are waiting.
size_t mic_read(int16_t* samples, size_t max);
void mic_stop();

// The TFLM tensor arena.
uint8_t* tensor_arena();
size_t tensor_arena_size();

}  // namespace board

#endif  // KWSTINY_BOARDS_BOARD_H_
