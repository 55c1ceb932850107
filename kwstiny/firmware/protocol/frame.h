// The frame format of the kwstiny serial protocol (PROTOCOL.md, "Frames"):
//
//   A5 5A | type | seq | length (u16 LE) | crc8(type..length) | payload | crc32 (u32 LE)
//
// The CRC-32 covers type through the end of the payload. The header's own CRC-8
// lets a receiver reject a corrupted length at once instead of waiting for bytes
// that will never come.
#ifndef KWSTINY_PROTOCOL_FRAME_H_
#define KWSTINY_PROTOCOL_FRAME_H_

#include <stddef.h>
#include <stdint.h>

namespace kws {

constexpr uint8_t kSync0 = 0xA5;
constexpr uint8_t kSync1 = 0x5A;
constexpr size_t kHeaderSize = 7;
constexpr size_t kTrailerSize = 4;
constexpr size_t kFrameOverhead = kHeaderSize + kTrailerSize;

struct Frame {
  uint8_t type;
  uint8_t seq;
  uint16_t length;
  const uint8_t* payload;
  uint32_t crc;  // the frame's CRC-32: identifies a retransmission of the same request
};

// Writes header and CRC around a payload already placed at `frame + kHeaderSize`.
// Returns the frame's total size.
size_t finish_frame(uint8_t* frame, uint8_t type, uint8_t seq, uint16_t length);

// Finds frames in a byte stream that may have lost, gained or flipped bytes.
// After a bad header or CRC the parser rescans from the byte after the failed
// sync marker, so a good frame that follows a damaged one is still found.
class FrameParser {
 public:
  enum class Event { kNone, kFrame, kBadCrc };

  // `buffer` must hold max_payload + kFrameOverhead bytes.
  FrameParser(uint8_t* buffer, uint16_t max_payload)
      : buf_(buffer), max_payload_(max_payload) {}

  // Appends one received byte. Call poll() until it returns kNone afterwards.
  void feed(uint8_t byte);
  // The next event in the buffered bytes. After kFrame, frame() is valid until
  // the next call to poll() or feed(); after kBadCrc, bad_seq() is the seq field
  // of the damaged frame.
  Event poll();
  const Frame& frame() const { return frame_; }
  uint8_t bad_seq() const { return bad_seq_; }
  // True while a frame has started but not all of its bytes have arrived.
  bool partial() const { return count_ > 0; }
  // Forgets a partial frame (the sender went quiet in the middle of it).
  void drop_partial() { count_ = 0; consumed_ = 0; }

 private:
  void discard(size_t bytes);

  uint8_t* buf_;
  uint16_t max_payload_;
  size_t count_ = 0;     // bytes buffered
  size_t consumed_ = 0;  // bytes of a frame handed out by the last poll()
  Frame frame_ = {};
  uint8_t bad_seq_ = 0;
};

}  // namespace kws

#endif  // KWSTINY_PROTOCOL_FRAME_H_
