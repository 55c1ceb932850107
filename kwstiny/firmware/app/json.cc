#include "app/json.h"

#include <stdint.h>
#include <string.h>

namespace kws {
namespace {

constexpr size_t kMaxKey = 96;

class Parser {
 public:
  Parser(const char* text, size_t size, JsonVisitor& visitor)
      : p_(text), end_(text + size), visitor_(visitor) {}

  bool document() {
    skip_space();
    if (!object(0, 0)) return false;
    skip_space();
    return p_ == end_;
  }

 private:
  // Parses an object whose keys are appended to key_[0..prefix).
  bool object(size_t prefix, int depth) {
    if (depth > 1 || !take('{')) return false;
    skip_space();
    if (take('}')) return true;
    for (;;) {
      skip_space();
      size_t key_end = prefix;
      if (prefix) key_[key_end++] = '.';
      if (!key(&key_end)) return false;
      skip_space();
      if (!take(':')) return false;
      skip_space();
      if (!member(key_end, depth)) return false;
      skip_space();
      if (take(',')) continue;
      return take('}');
    }
  }

  bool member(size_t key_end, int depth) {
    key_[key_end] = '\0';
    if (peek() == '{') {
      visitor_.object(key_);
      return object(key_end, depth + 1);
    }
    if (peek() == '[') {
      ++p_;
      skip_space();
      if (take(']')) return true;
      for (int index = 0;; ++index) {
        skip_space();
        key_[key_end] = '\0';
        if (!scalar(index)) return false;
        skip_space();
        if (take(',')) continue;
        return take(']');
      }
    }
    return scalar(-1);
  }

  bool scalar(int index) {
    JsonValue v = {};
    char c = peek();
    if (c == '"') {
      const char* start;
      size_t length;
      if (!string(&start, &length)) return false;
      v.kind = JsonValue::Kind::kString;
      v.text = start;
      v.length = length;
    } else if (word("true")) {
      v.kind = JsonValue::Kind::kBool;
      v.boolean = true;
    } else if (word("false")) {
      v.kind = JsonValue::Kind::kBool;
      v.boolean = false;
    } else if (word("null")) {
      v.kind = JsonValue::Kind::kNull;
    } else {
      v.kind = JsonValue::Kind::kNumber;
      if (!number(&v.number)) return false;
    }
    visitor_.value(key_, index, v);
    return true;
  }

  bool key(size_t* key_end) {
    const char* start;
    size_t length;
    if (!string(&start, &length) || *key_end + length >= kMaxKey) return false;
    memcpy(key_ + *key_end, start, length);
    *key_end += length;
    return true;
  }

  bool string(const char** start, size_t* length) {
    if (!take('"')) return false;
    *start = p_;
    while (p_ < end_ && *p_ != '"') {
      if (*p_ == '\\') ++p_;  // keep escapes as written; only skip the escaped char
      ++p_;
    }
    if (p_ >= end_) return false;
    *length = static_cast<size_t>(p_ - *start);
    ++p_;
    return true;
  }

  // Decimal to double: digits gathered as an integer mantissa; while it and the
  // power of ten are exact in a double, a single multiply or divide rounds
  // correctly (the same result as Python's float()). Longer inputs fall back to
  // repeated scaling, accurate to a few ulp.
  bool number(double* out) {
    bool negative = take('-');
    uint64_t mantissa = 0;
    int exponent = 0, digits = 0;
    bool exact = true;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') {
      accumulate(&mantissa, &exponent, &exact, *p_++ - '0', false);
      ++digits;
    }
    if (take('.')) {
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') {
        accumulate(&mantissa, &exponent, &exact, *p_++ - '0', true);
        ++digits;
      }
    }
    if (digits == 0) return false;
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      bool exp_negative = take('-');
      if (!exp_negative) take('+');
      int e = 0, exp_digits = 0;
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') {
        if (e < 10000) e = e * 10 + (*p_ - '0');
        ++p_;
        ++exp_digits;
      }
      if (!exp_digits) return false;
      exponent += exp_negative ? -e : e;
    }
    static const double kPow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    double value = static_cast<double>(mantissa);
    if (exact && mantissa < (1ull << 53) && exponent >= -22 && exponent <= 22) {
      value = exponent < 0 ? value / kPow10[-exponent] : value * kPow10[exponent];
    } else {
      for (; exponent > 0; --exponent) value *= 10.0;
      for (; exponent < 0; ++exponent) value /= 10.0;
    }
    *out = negative ? -value : value;
    return true;
  }

  static void accumulate(uint64_t* mantissa, int* exponent, bool* exact, int digit,
                         bool fraction) {
    if (*mantissa < 100000000000000000ull) {
      *mantissa = *mantissa * 10 + static_cast<uint64_t>(digit);
      if (fraction) --*exponent;
    } else {
      if (digit) *exact = false;
      if (!fraction) ++*exponent;
    }
  }

  bool word(const char* w) {
    size_t n = strlen(w);
    if (static_cast<size_t>(end_ - p_) < n || memcmp(p_, w, n) != 0) return false;
    p_ += n;
    return true;
  }
  char peek() const { return p_ < end_ ? *p_ : '\0'; }
  bool take(char c) {
    if (p_ < end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }
  void skip_space() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  const char* p_;
  const char* end_;
  JsonVisitor& visitor_;
  char key_[kMaxKey] = {};
};

}  // namespace

bool json_walk(const char* text, size_t size, JsonVisitor& visitor) {
  Parser parser(text, size, visitor);
  return parser.document();
}

}  // namespace kws
