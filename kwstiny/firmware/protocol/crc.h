// Checksums of the frame format: CRC-8 over the header, CRC-32 over the frame.
#ifndef KWSTINY_PROTOCOL_CRC_H_
#define KWSTINY_PROTOCOL_CRC_H_

#include <stddef.h>
#include <stdint.h>

namespace kws {

// CRC-32/ISO-HDLC (the zlib / Ethernet CRC): reflected polynomial 0xEDB88320,
// initial value and final xor 0xFFFFFFFF. Chain calls by passing the previous result.
uint32_t crc32(const uint8_t* data, size_t size, uint32_t previous = 0);

// CRC-8 with polynomial 0x07, initial value 0 (CRC-8/SMBUS).
uint8_t crc8(const uint8_t* data, size_t size);

}  // namespace kws

#endif  // KWSTINY_PROTOCOL_CRC_H_
