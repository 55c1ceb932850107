// The firmware's main loop: reads frames from the serial line, answers each
// request (see PROTOCOL.md) and returns when the board asks for a reset.
#ifndef KWSTINY_APP_APP_H_
#define KWSTINY_APP_APP_H_

#include <stddef.h>
#include <stdint.h>

#ifndef KWSTINY_MAX_PAYLOAD
#define KWSTINY_MAX_PAYLOAD 4096
#endif

namespace kws {

constexpr uint16_t kMaxPayload = KWSTINY_MAX_PAYLOAD;
// A frame whose bytes stop arriving for this long is dropped.
constexpr uint32_t kPartialFrameTimeoutMs = 200;

// Runs until board::reset_requested() or a RESET request; the board's main()
// calls board::init() and app_run() in a loop.
void app_run();

// The model linked into the image (KWSTINY_MODEL), or size 0.
struct LinkedModel {
  const uint8_t* data;
  size_t size;
};
LinkedModel linked_model();

}  // namespace kws

#endif  // KWSTINY_APP_APP_H_
