// A small reader for the flat JSON object kwstiny stores in a model's metadata
// (and sends in CONFIG): string keys whose values are numbers, booleans, strings,
// arrays of those, or one level of nested object. It calls back once per scalar
// with the dotted key ("class_thresholds.alexa") and the array index (-1 if none).
// Numbers are converted with one correctly rounded operation where the decimal
// allows it, so "0.025" becomes the same double as in Python.
#ifndef KWSTINY_APP_JSON_H_
#define KWSTINY_APP_JSON_H_

#include <stddef.h>

namespace kws {

struct JsonValue {
  enum class Kind { kNumber, kBool, kString, kNull } kind;
  double number;
  bool boolean;
  const char* text;  // kString: not NUL-terminated, escapes left as written
  size_t length;
};

class JsonVisitor {
 public:
  virtual void value(const char* key, int index, const JsonValue& v) = 0;
  // A nested object starts (its members follow as "key.member" values, if any).
  virtual void object(const char* key) { (void)key; }

 protected:
  ~JsonVisitor() = default;
};

// Returns false (and stops) on malformed input or nesting deeper than two levels.
bool json_walk(const char* text, size_t size, JsonVisitor& visitor);

}  // namespace kws

#endif  // KWSTINY_APP_JSON_H_
