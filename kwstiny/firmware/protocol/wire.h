// Little-endian readers and writers over a bounded byte buffer. A read past the
// end or a write past the capacity sets ok() to false instead of overrunning.
#ifndef KWSTINY_PROTOCOL_WIRE_H_
#define KWSTINY_PROTOCOL_WIRE_H_

#include <stddef.h>
#include <stdint.h>
#include <string.h>

namespace kws {

class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t u8() { return static_cast<uint8_t>(take(1)); }
  uint16_t u16() { return static_cast<uint16_t>(take(2)); }
  uint32_t u32() { return static_cast<uint32_t>(take(4)); }
  const uint8_t* rest() const { return data_ + pos_; }
  size_t remaining() const { return ok_ ? size_ - pos_ : 0; }
  bool ok() const { return ok_; }

 private:
  uint64_t take(size_t n) {
    if (!ok_ || size_ - pos_ < n) {
      ok_ = false;
      return 0;
    }
    uint64_t value = 0;
    for (size_t i = 0; i < n; ++i) value |= static_cast<uint64_t>(data_[pos_ + i]) << (8 * i);
    pos_ += n;
    return value;
  }
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  bool ok_ = true;
};

class Writer {
 public:
  Writer(uint8_t* data, size_t capacity) : data_(data), capacity_(capacity) {}
  void u8(uint8_t v) { put(v, 1); }
  void u16(uint16_t v) { put(v, 2); }
  void u32(uint32_t v) { put(v, 4); }
  void u64(uint64_t v) { put(v, 8); }
  void bytes(const void* src, size_t n) {
    if (!room(n)) return;
    memcpy(data_ + size_, src, n);
    size_ += n;
  }
  void text(const char* s) { bytes(s, strlen(s)); }
  uint8_t* cursor() { return data_ + size_; }
  // Claims n bytes written in place through cursor().
  void advance(size_t n) {
    if (room(n)) size_ += n;
  }
  size_t size() const { return size_; }
  size_t space() const { return capacity_ - size_; }
  bool ok() const { return ok_; }

 private:
  bool room(size_t n) {
    if (!ok_ || capacity_ - size_ < n) ok_ = false;
    return ok_;
  }
  void put(uint64_t v, size_t n) {
    if (!room(n)) return;
    for (size_t i = 0; i < n; ++i) data_[size_ + i] = static_cast<uint8_t>(v >> (8 * i));
    size_ += n;
  }
  uint8_t* data_;
  size_t capacity_;
  size_t size_ = 0;
  bool ok_ = true;
};

}  // namespace kws

#endif  // KWSTINY_PROTOCOL_WIRE_H_
