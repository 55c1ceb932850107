// Builds short messages into a fixed buffer (no heap, no printf): always
// NUL-terminated, silently cut at the buffer's end.
#ifndef KWSTINY_APP_TEXT_H_
#define KWSTINY_APP_TEXT_H_

#include <stddef.h>
#include <stdint.h>

namespace kws {

class Text {
 public:
  Text(char* buffer, size_t size) : buf_(buffer), size_(size) {
    if (size_) buf_[0] = '\0';
  }
  Text& add(const char* s) {
    while (s && *s) put(*s++);
    return *this;
  }
  // Unsigned and signed decimal numbers (explicit names: uint32_t and size_t are
  // different types on different targets).
  Text& num(uint64_t n) {
    char digits[21];
    int i = 0;
    do {
      digits[i++] = static_cast<char>('0' + n % 10);
      n /= 10;
    } while (n);
    while (i) put(digits[--i]);
    return *this;
  }
  Text& inum(int64_t n) {
    if (n < 0) {
      put('-');
      return num(static_cast<uint64_t>(-(n + 1)) + 1);
    }
    return num(static_cast<uint64_t>(n));
  }
  Text& add(char c) {
    put(c);
    return *this;
  }
  // Hexadecimal, 8 digits.
  Text& hex(uint32_t n) {
    for (int shift = 28; shift >= 0; shift -= 4) put("0123456789abcdef"[(n >> shift) & 0xF]);
    return *this;
  }
  const char* c_str() const { return buf_; }
  size_t length() const { return len_; }

 private:
  void put(char c) {
    if (len_ + 1 < size_) {
      buf_[len_++] = c;
      buf_[len_] = '\0';
    }
  }
  char* buf_;
  size_t size_;
  size_t len_ = 0;
};

}  // namespace kws

#endif  // KWSTINY_APP_TEXT_H_
