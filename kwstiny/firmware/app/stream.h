// Streaming: audio in, spectrogram frames, model scores and detections out
// (PROTOCOL.md, "Streaming"). The frontend is kwstiny's C frontend, the same
// source the Python package compiles; the detector is the C++ port of
// kwstiny.stream's detector.
#ifndef KWSTINY_APP_STREAM_H_
#define KWSTINY_APP_STREAM_H_

#include <stddef.h>

#include "app/settings.h"
#include "protocol/messages.h"
#include "protocol/wire.h"

namespace kws {
namespace stream {

bool frontend_available();
// STREAM_BEGIN: starts a stream with the current settings.
Err begin(Reader& in, Writer& out, const ModelSettings& settings, char* error, size_t error_size);
// STREAM_AUDIO: pushes int16 samples, writes the records they produced.
Err audio(Reader& in, Writer& out, char* error, size_t error_size);
// STREAM_END: reports totals and stops.
Err finish(Writer& out, char* error, size_t error_size);
// Stops any stream without a reply (model change, reset).
void end();

}  // namespace stream
}  // namespace kws

#endif  // KWSTINY_APP_STREAM_H_
