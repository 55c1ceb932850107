// Frames: CRCs, encoding, and finding good frames in a damaged byte stream.
#include <string.h>

#include "protocol/crc.h"
#include "protocol/frame.h"
#include "tests/unit_test.h"

using kws::FrameParser;

namespace {

constexpr uint16_t kMax = 64;
uint8_t g_buffer[kMax + kws::kFrameOverhead];

size_t make(uint8_t* out, uint8_t type, uint8_t seq, const char* text) {
  size_t n = strlen(text);
  memcpy(out + kws::kHeaderSize, text, n);
  return kws::finish_frame(out, type, seq, static_cast<uint16_t>(n));
}

struct Seen {
  int frames = 0, bad = 0;
  uint8_t last_type = 0, last_seq = 0, bad_seq = 0;
  char last_text[kMax + 1] = {};
};

Seen feed(FrameParser& parser, const uint8_t* data, size_t size) {
  Seen seen;
  for (size_t i = 0; i < size; ++i) {
    parser.feed(data[i]);
    for (;;) {
      FrameParser::Event e = parser.poll();
      if (e == FrameParser::Event::kNone) break;
      if (e == FrameParser::Event::kBadCrc) {
        ++seen.bad;
        seen.bad_seq = parser.bad_seq();
        continue;
      }
      ++seen.frames;
      seen.last_type = parser.frame().type;
      seen.last_seq = parser.frame().seq;
      memcpy(seen.last_text, parser.frame().payload, parser.frame().length);
      seen.last_text[parser.frame().length] = '\0';
    }
  }
  return seen;
}

}  // namespace

KWS_TEST(crc_check_values) {
  const uint8_t digits[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
  CHECK(kws::crc32(digits, 9) == 0xCBF43926u);  // the catalogue's check value
  CHECK(kws::crc8(digits, 9) == 0xF4);
  CHECK(kws::crc32(digits + 4, 5, kws::crc32(digits, 4)) == 0xCBF43926u);  // chained
}

KWS_TEST(frame_round_trip) {
  uint8_t stream[64];
  size_t n = make(stream, 0x21, 7, "hello");
  CHECK(n == 5 + kws::kFrameOverhead);
  FrameParser parser(g_buffer, kMax);
  Seen seen = feed(parser, stream, n);
  CHECK(seen.frames == 1 && seen.bad == 0);
  CHECK(seen.last_type == 0x21 && seen.last_seq == 7);
  CHECK(strcmp(seen.last_text, "hello") == 0);
  CHECK(!parser.partial());
}

KWS_TEST(empty_payload_and_back_to_back_frames) {
  uint8_t stream[64];
  size_t n = make(stream, 1, 1, "");
  n += make(stream + n, 2, 2, "ab");
  FrameParser parser(g_buffer, kMax);
  Seen seen = feed(parser, stream, n);
  CHECK(seen.frames == 2);
  CHECK(seen.last_seq == 2 && strcmp(seen.last_text, "ab") == 0);
}

KWS_TEST(garbage_before_a_frame_is_skipped) {
  uint8_t stream[96] = {0x00, 0xA5, 0x13, 0xA5, 0xA5, 0x5A, 0xFF};
  size_t n = 7 + make(stream + 7, 3, 9, "ok");
  FrameParser parser(g_buffer, kMax);
  Seen seen = feed(parser, stream, n);
  CHECK(seen.frames == 1 && seen.last_seq == 9);
}

KWS_TEST(flipped_payload_bit_is_a_crc_error_and_the_next_frame_survives) {
  uint8_t stream[96];
  size_t n = make(stream, 4, 11, "payload");
  stream[kws::kHeaderSize + 2] ^= 0x10;
  n += make(stream + n, 5, 12, "next");
  FrameParser parser(g_buffer, kMax);
  Seen seen = feed(parser, stream, n);
  CHECK(seen.bad == 1 && seen.bad_seq == 11);
  CHECK(seen.frames == 1 && seen.last_seq == 12);
}

KWS_TEST(dropped_byte_then_retransmission_is_found) {
  uint8_t stream[96];
  size_t n = make(stream, 6, 20, "abcdef");
  memmove(stream + 9, stream + 10, n - 10);  // lose one payload byte
  n -= 1;
  n += make(stream + n, 6, 20, "abcdef");    // the sender tries again
  FrameParser parser(g_buffer, kMax);
  Seen seen = feed(parser, stream, n);
  CHECK(seen.frames == 1 && seen.last_seq == 20 && strcmp(seen.last_text, "abcdef") == 0);
}

KWS_TEST(corrupted_length_is_rejected_by_the_header_crc) {
  uint8_t stream[96];
  size_t n = make(stream, 7, 30, "x");
  stream[4] = 60;  // claims 60 bytes: without the header CRC the parser would wait for them
  n += make(stream + n, 7, 31, "y");
  FrameParser parser(g_buffer, kMax);
  Seen seen = feed(parser, stream, n);
  CHECK(seen.frames == 1 && seen.last_seq == 31);
}

KWS_TEST(length_above_the_maximum_is_rejected) {
  uint8_t stream[96];
  uint8_t big[kws::kHeaderSize] = {0xA5, 0x5A, 1, 1, 0xFF, 0x00, 0};
  big[6] = kws::crc8(big + 2, 4);  // a consistent header announcing 255 bytes > kMax
  memcpy(stream, big, sizeof(big));
  size_t n = sizeof(big) + make(stream + sizeof(big), 8, 40, "fine");
  FrameParser parser(g_buffer, kMax);
  Seen seen = feed(parser, stream, n);
  CHECK(seen.frames == 1 && seen.last_seq == 40);
}

KWS_TEST(partial_frame_can_be_dropped) {
  uint8_t stream[64];
  size_t n = make(stream, 9, 50, "partial");
  FrameParser parser(g_buffer, kMax);
  Seen seen = feed(parser, stream, n - 3);
  CHECK(seen.frames == 0 && parser.partial());
  parser.drop_partial();
  CHECK(!parser.partial());
  n = make(stream, 9, 51, "whole");
  seen = feed(parser, stream, n);
  CHECK(seen.frames == 1 && seen.last_seq == 51);
}
