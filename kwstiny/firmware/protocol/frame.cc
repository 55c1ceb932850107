#include "protocol/frame.h"

#include <string.h>

#include "protocol/crc.h"

namespace kws {

size_t finish_frame(uint8_t* frame, uint8_t type, uint8_t seq, uint16_t length) {
  frame[0] = kSync0;
  frame[1] = kSync1;
  frame[2] = type;
  frame[3] = seq;
  frame[4] = static_cast<uint8_t>(length & 0xFF);
  frame[5] = static_cast<uint8_t>(length >> 8);
  frame[6] = crc8(frame + 2, 4);
  uint32_t crc = crc32(frame + 2, 5 + length);
  uint8_t* tail = frame + kHeaderSize + length;
  for (int i = 0; i < 4; ++i) tail[i] = static_cast<uint8_t>(crc >> (8 * i));
  return kHeaderSize + length + kTrailerSize;
}

void FrameParser::feed(uint8_t byte) {
  if (consumed_) discard(consumed_);
  // The buffer holds one maximal frame; poll() empties it before it can overflow.
  if (count_ < max_payload_ + kFrameOverhead) buf_[count_++] = byte;
}

void FrameParser::discard(size_t bytes) {
  if (bytes >= count_) {
    count_ = 0;
  } else {
    memmove(buf_, buf_ + bytes, count_ - bytes);
    count_ -= bytes;
  }
  consumed_ = 0;
}

FrameParser::Event FrameParser::poll() {
  if (consumed_) discard(consumed_);
  for (;;) {
    if (count_ == 0) return Event::kNone;
    if (buf_[0] != kSync0) {
      const void* next = memchr(buf_ + 1, kSync0, count_ - 1);
      discard(next ? static_cast<size_t>(static_cast<const uint8_t*>(next) - buf_) : count_);
      continue;
    }
    if (count_ < 2) return Event::kNone;
    if (buf_[1] != kSync1) {
      discard(1);
      continue;
    }
    if (count_ < kHeaderSize) return Event::kNone;
    uint16_t length = static_cast<uint16_t>(buf_[4] | (buf_[5] << 8));
    if (crc8(buf_ + 2, 4) != buf_[6] || length > max_payload_) {
      discard(1);  // not a real header: look for the next sync marker
      continue;
    }
    size_t total = kHeaderSize + length + kTrailerSize;
    if (count_ < total) return Event::kNone;
    const uint8_t* tail = buf_ + kHeaderSize + length;
    uint32_t sent = static_cast<uint32_t>(tail[0]) | (static_cast<uint32_t>(tail[1]) << 8) |
                    (static_cast<uint32_t>(tail[2]) << 16) | (static_cast<uint32_t>(tail[3]) << 24);
    uint32_t crc = crc32(buf_ + 2, 5 + length);
    if (crc != sent) {
      bad_seq_ = buf_[3];
      discard(1);  // a good frame may start inside the damaged one
      return Event::kBadCrc;
    }
    frame_ = Frame{buf_[2], buf_[3], length, buf_ + kHeaderSize, crc};
    consumed_ = total;
    return Event::kFrame;
  }
}

}  // namespace kws
