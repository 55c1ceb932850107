// Message types and error codes of the kwstiny serial protocol (see PROTOCOL.md).
// kwstiny/device/protocol.py mirrors these numbers; a test checks that the two agree.
#ifndef KWSTINY_PROTOCOL_MESSAGES_H_
#define KWSTINY_PROTOCOL_MESSAGES_H_

#include <stdint.h>

namespace kws {

constexpr uint8_t kProtocolVersion = 1;

// Requests (host -> board). A response carries the request type | kResponseBit.
enum class Msg : uint8_t {
  kInfo = 0x01,
  kReset = 0x02,
  kConfig = 0x03,
  kLoadBegin = 0x10,
  kLoadChunk = 0x11,
  kLoadEnd = 0x12,
  kModelInfo = 0x13,
  kInputWrite = 0x20,
  kInvoke = 0x21,
  kOutputRead = 0x22,
  kProfile = 0x23,
  kProfileRead = 0x24,
  kStreamBegin = 0x30,
  kStreamAudio = 0x31,
  kStreamEnd = 0x32,
  // Board -> host, outside the request/response pairs.
  kBoot = 0xFC,   // sent once after every start-up or reset, seq 0
  kNak = 0xFD,    // a frame arrived with a bad CRC; its seq field is echoed as received
  kAck = 0xFE,    // a new request arrived intact and is being handled
  kError = 0xFF,  // the request with this seq failed: u16 code, then UTF-8 text
};

constexpr uint8_t kResponseBit = 0x80;

enum class Err : uint16_t {
  kOk = 0,
  kUnknownCommand = 1,
  kBadRequest = 2,
  kNoRuntime = 3,
  kNoModel = 4,
  kModelTooLarge = 5,
  kModelInvalid = 6,
  kUnsupportedOp = 7,
  kArenaTooSmall = 8,
  kLoadNotStarted = 9,
  kLoadOffset = 10,
  kLoadCrc = 11,
  kInvokeFailed = 12,
  kStreamNotStarted = 13,
  kConfigInvalid = 14,
  kTooLarge = 15,
  kNoFrontend = 16,
};

// Record kinds inside a STREAM_AUDIO response.
enum class Rec : uint8_t {
  kFrame = 1,      // u32 frame index, u16 channels, u16 values[channels]
  kScores = 2,     // u32 end sample, u32 ticks, u8 n, int8 outputs[n]
  kDetection = 3,  // u32 end sample, u8 class index, u8 score (0-255)
};

// STREAM_BEGIN flags: what the board sends back while it streams.
constexpr uint8_t kStreamFrames = 0x01;
constexpr uint8_t kStreamScores = 0x02;
constexpr uint8_t kStreamDetections = 0x04;
constexpr uint8_t kStreamBoardMic = 0x08;  // audio from the board's microphone, not the host

}  // namespace kws

#endif  // KWSTINY_PROTOCOL_MESSAGES_H_
