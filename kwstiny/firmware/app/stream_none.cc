// Streaming in a firmware configured without kwstiny's C frontend sources.
#include "app/stream.h"
#include "app/text.h"

namespace kws {
namespace stream {
namespace {
Err no_frontend(char* error, size_t error_size) {
  Text(error, error_size).add("this firmware was built without the kwstiny frontend (kwstiny/frontend/c)");
  return Err::kNoFrontend;
}
}  // namespace

bool frontend_available() { return false; }
Err begin(Reader&, Writer&, const ModelSettings&, char* error, size_t error_size) {
  return no_frontend(error, error_size);
}
Err audio(Reader&, Writer&, char* error, size_t error_size) { return no_frontend(error, error_size); }
Err finish(Writer&, char* error, size_t error_size) { return no_frontend(error, error_size); }
void end() {}

}  // namespace stream
}  // namespace kws
