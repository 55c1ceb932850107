#include "protocol/crc.h"

namespace kws {

// A 16-entry table (one nibble at a time): 64 bytes of flash instead of 1 KB.
static const uint32_t kCrc32Nibble[16] = {
    0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
    0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
    0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu};

uint32_t crc32(const uint8_t* data, size_t size, uint32_t previous) {
  uint32_t crc = ~previous;
  for (size_t i = 0; i < size; ++i) {
    crc ^= data[i];
    crc = (crc >> 4) ^ kCrc32Nibble[crc & 0x0F];
    crc = (crc >> 4) ^ kCrc32Nibble[crc & 0x0F];
  }
  return ~crc;
}

uint8_t crc8(const uint8_t* data, size_t size) {
  uint8_t crc = 0;
  for (size_t i = 0; i < size; ++i) {
    crc ^= data[i];
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x80) ? static_cast<uint8_t>((crc << 1) ^ 0x07) : static_cast<uint8_t>(crc << 1);
    }
  }
  return crc;
}

}  // namespace kws
