// The request loop and the handlers of every protocol message (PROTOCOL.md).
#include "app/app.h"

#include <string.h>

#include "app/model_runner.h"
#include "app/settings.h"
#include "app/stream.h"
#include "app/text.h"
#include "app/version.h"
#include "boards/board.h"
#include "protocol/crc.h"
#include "protocol/frame.h"
#include "protocol/messages.h"
#include "protocol/wire.h"

namespace kws {
namespace {

uint8_t g_rx[kMaxPayload + kFrameOverhead];
uint8_t g_tx[kMaxPayload + kFrameOverhead];
uint8_t g_small[kFrameOverhead + 96];  // ACK, NAK and BOOT frames
char g_error[200];

enum class Source : uint8_t { kNone = 0, kLinked = 1, kLoaded = 2 };

struct State {
  // The last request answered: a retransmission of it gets the same answer again.
  bool have_last = false;
  uint8_t last_seq = 0;
  uint32_t last_crc = 0;
  size_t last_size = 0;
  bool reset_after_reply = false;
  // A model transfer in progress.
  bool loading = false;
  uint32_t load_size = 0, load_crc = 0, load_received = 0, load_running_crc = 0;
  // The model in use.
  Source source = Source::kNone;
  const uint8_t* model = nullptr;
  uint32_t model_size = 0, model_crc = 0;
  ModelSettings settings;
  // The last profile run.
  const ProfileEvent* events = nullptr;
  int n_events = 0;
};
State g;

void send_small(Msg type, uint8_t seq, const char* text) {
  size_t n = text ? strlen(text) : 0;
  if (n > sizeof(g_small) - kFrameOverhead) n = sizeof(g_small) - kFrameOverhead;
  if (n) memcpy(g_small + kHeaderSize, text, n);
  size_t size = finish_frame(g_small, static_cast<uint8_t>(type), seq, static_cast<uint16_t>(n));
  board::serial_write(g_small, size);
}

Err error(Err code, const char* what, const char* detail = "") {
  Text(g_error, sizeof(g_error)).add(what).add(detail);
  return code;
}

// Why there is no model to use: no interpreter in this build, or nothing loaded.
Err no_model() {
  if (!runner::available()) {
    return error(Err::kNoRuntime, "this firmware was built without TFLM (configure with -DTFLM_ROOT=...)");
  }
  return error(Err::kNoModel, "no model is loaded");
}

// Settings come from the model's metadata; CONFIG overrides them until the next load.
void settings_from_model() {
  g.settings = ModelSettings();
  const char* json;
  size_t size;
  char ignored[8];
  if (runner::metadata(&json, &size)) apply_settings_json(json, size, g.settings, ignored, sizeof(ignored));
}

bool use_linked_model() {
  LinkedModel linked = linked_model();
  if (!linked.size || runner::load(linked.data, linked.size, g_error, sizeof(g_error)) != Err::kOk) {
    g.source = Source::kNone;
    g.model = nullptr;
    g.model_size = g.model_crc = 0;
    return false;
  }
  g.source = Source::kLinked;
  g.model = linked.data;
  g.model_size = static_cast<uint32_t>(linked.size);
  g.model_crc = crc32(linked.data, linked.size);
  settings_from_model();
  return true;
}

// ---------------------------------------------------------------------------------
// Handlers: each reads its request and writes its response payload, or returns an
// error code with g_error set.

Err handle_info(Reader&, Writer& out) {
  board::Memory mem = board::memory();
  char line[96];
  auto kv = [&](const char* key, const char* value) {
    Text t(line, sizeof(line));
    t.add(key).add('=').add(value).add('\n');
    out.text(line);
  };
  auto kn = [&](const char* key, uint64_t value) {
    Text t(line, sizeof(line));
    t.add(key).add('=').num(value).add('\n');
    out.text(line);
  };
  kn("protocol", kProtocolVersion);
  kv("firmware", KWSTINY_FIRMWARE_VERSION);
  kv("board", board::name());
  kn("clock_hz", board::clock_hz());
  kv("counter", board::counter_unit());
  kv("accelerator", board::accelerator());
  kn("max_payload", kMaxPayload);
  kn("ram_total", mem.ram_total);
  kn("ram_free", mem.ram_total - mem.ram_used);
  kn("flash_total", mem.flash_total);
  kn("flash_free", mem.flash_total - mem.flash_used);
  kn("model_slot", board::model_slot_size());
  kn("arena", board::tensor_arena_size());
  kn("tflm", runner::available() ? 1 : 0);
  kv("kernels", runner::kernels());
  kn("frontend", stream::frontend_available() ? 1 : 0);
  static const char* const kSources[] = {"none", "linked", "loaded"};
  kv("model", kSources[static_cast<int>(g.source)]);
  kn("model_bytes", g.model_size);
  Text t(line, sizeof(line));
  t.add("model_crc=").hex(g.model_crc).add('\n');
  out.text(line);
  out.text("ops=");
  out.text(runner::supported_ops());
  out.text("\n");
  return out.ok() ? Err::kOk : error(Err::kTooLarge, "info does not fit in one frame");
}

void write_tensor(Writer& out, const TensorInfo& t) {
  out.u8(t.type);
  out.u8(t.rank);
  for (int i = 0; i < t.rank; ++i) out.u32(static_cast<uint32_t>(t.dims[i]));
  uint32_t scale_bits;
  memcpy(&scale_bits, &t.scale, 4);
  out.u32(scale_bits);
  out.u32(static_cast<uint32_t>(t.zero_point));
  out.u32(t.bytes);
}

Err handle_model_info(Reader&, Writer& out) {
  if (!runner::loaded()) return no_model();
  out.u8(static_cast<uint8_t>(g.source));
  out.u32(g.model_size);
  out.u32(g.model_crc);
  out.u32(runner::arena_used());
  out.u32(runner::n_operators());
  write_tensor(out, runner::input());
  write_tensor(out, runner::output());
  return Err::kOk;
}

Err handle_load_begin(Reader& in, Writer& out) {
  uint32_t size = in.u32();
  uint32_t crc = in.u32();
  if (!in.ok() || size == 0) return error(Err::kBadRequest, "LOAD_BEGIN needs a size and a CRC");
  if (size > board::model_slot_size()) {
    Text t(g_error, sizeof(g_error));
    t.add("the model is ").num(size).add(" bytes but this board's model slot holds ")
        .num(board::model_slot_size()).add(" bytes; the current model stays loaded");
    return Err::kModelTooLarge;
  }
  if (g.source == Source::kLoaded) {  // its bytes are about to be overwritten
    runner::unload();
    stream::end();
    if (!use_linked_model()) g.source = Source::kNone;
  }
  g.loading = true;
  g.load_size = size;
  g.load_crc = crc;
  g.load_received = 0;
  g.load_running_crc = 0;
  out.u32(static_cast<uint32_t>(board::model_slot_size()));
  return Err::kOk;
}

Err handle_load_chunk(Reader& in, Writer& out) {
  uint32_t offset = in.u32();
  if (!in.ok()) return error(Err::kBadRequest, "LOAD_CHUNK needs an offset");
  if (!g.loading) {
    return error(Err::kLoadNotStarted, "no model transfer in progress (did the board reset?)");
  }
  size_t n = in.remaining();
  if (offset != g.load_received || offset + n > g.load_size) {
    Text t(g_error, sizeof(g_error));
    t.add("chunk at offset ").num(offset).add(" (").num(n).add(" bytes) but the next expected is ")
        .num(g.load_received).add(" of ").num(g.load_size);
    return Err::kLoadOffset;
  }
  if (!board::model_slot_write(offset, in.rest(), n)) {
    g.loading = false;
    return error(Err::kModelInvalid, "writing the model slot failed");
  }
  g.load_running_crc = crc32(in.rest(), n, g.load_running_crc);
  g.load_received += static_cast<uint32_t>(n);
  out.u32(g.load_received);
  return Err::kOk;
}

Err handle_load_end(Reader& in, Writer& out) {
  if (!g.loading) {
    return error(Err::kLoadNotStarted, "no model transfer in progress (did the board reset?)");
  }
  g.loading = false;
  if (g.load_received != g.load_size) {
    Text t(g_error, sizeof(g_error));
    t.add("only ").num(g.load_received).add(" of ").num(g.load_size).add(" model bytes arrived");
    return Err::kLoadOffset;
  }
  if (g.load_running_crc != g.load_crc) {
    return error(Err::kLoadCrc, "the model's CRC-32 does not match the one announced");
  }
  stream::end();
  // Without TFLM the transfer still lands and is verified; only running it is impossible.
  Err status = runner::load(board::model_slot(), g.load_size, g_error, sizeof(g_error));
  if (status != Err::kOk) {
    use_linked_model();  // keep a model running if the image has one
    return status;
  }
  g.source = Source::kLoaded;
  g.model = board::model_slot();
  g.model_size = g.load_size;
  g.model_crc = g.load_crc;
  settings_from_model();
  return handle_model_info(in, out);
}

Err handle_input_write(Reader& in, Writer&) {
  uint32_t offset = in.u32();
  if (!in.ok()) return error(Err::kBadRequest, "INPUT_WRITE needs an offset");
  if (!runner::loaded()) return no_model();
  size_t n = in.remaining();
  if (offset + n > runner::input().bytes) {
    Text t(g_error, sizeof(g_error));
    t.add("input write past the tensor's end (").num(offset + n).add(" > ")
        .num(runner::input().bytes).add(" bytes)");
    return Err::kBadRequest;
  }
  memcpy(runner::input_data() + offset, in.rest(), n);
  return Err::kOk;
}

Err handle_invoke(Reader&, Writer& out) {
  if (!runner::loaded()) return no_model();
  uint64_t ticks = 0;
  Err status = runner::invoke(&ticks, g_error, sizeof(g_error));
  if (status != Err::kOk) return status;
  uint32_t bytes = runner::output().bytes;
  out.u64(ticks);
  out.u32(bytes);
  if (bytes <= out.space()) out.bytes(runner::output_data(), bytes);
  return Err::kOk;
}

Err handle_output_read(Reader& in, Writer& out) {
  uint32_t offset = in.u32();
  uint16_t length = in.u16();
  if (!in.ok()) return error(Err::kBadRequest, "OUTPUT_READ needs an offset and a length");
  if (!runner::loaded()) return no_model();
  if (offset + length > runner::output().bytes || length > out.space()) {
    return error(Err::kBadRequest, "OUTPUT_READ past the tensor's end or the frame's size");
  }
  out.bytes(runner::output_data() + offset, length);
  return Err::kOk;
}

Err handle_profile(Reader&, Writer& out) {
  if (!runner::loaded()) return no_model();
  uint64_t ticks = 0;
  g.events = nullptr;
  g.n_events = 0;
  Err status = runner::profile(&ticks, &g.events, &g.n_events, g_error, sizeof(g_error));
  if (status != Err::kOk) return status;
  out.u64(ticks);
  out.u16(static_cast<uint16_t>(g.n_events));
  return Err::kOk;
}

Err handle_profile_read(Reader& in, Writer& out) {
  uint16_t first = in.u16();
  if (!in.ok()) return error(Err::kBadRequest, "PROFILE_READ needs the first event's index");
  if (!g.events) return error(Err::kNoModel, "no profile has been run");
  uint8_t* count_at = out.cursor();
  out.u16(0);
  uint16_t count = 0;
  for (int i = first; i < g.n_events; ++i) {
    size_t tag_len = strlen(g.events[i].tag);
    if (tag_len > 255) tag_len = 255;
    if (out.space() < 2 + 8 + 1 + tag_len) break;
    out.u16(static_cast<uint16_t>(i));
    out.u64(g.events[i].ticks);
    out.u8(static_cast<uint8_t>(tag_len));
    out.bytes(g.events[i].tag, tag_len);
    ++count;
  }
  count_at[0] = static_cast<uint8_t>(count & 0xFF);
  count_at[1] = static_cast<uint8_t>(count >> 8);
  return Err::kOk;
}

Err handle_config(Reader& in, Writer&) {
  if (!apply_settings_json(reinterpret_cast<const char*>(in.rest()), in.remaining(), g.settings,
                           g_error, sizeof(g_error))) {
    return Err::kConfigInvalid;
  }
  return Err::kOk;
}

Err handle_reset(Reader&, Writer&) {
  g.reset_after_reply = true;
  return Err::kOk;
}

Err dispatch(const Frame& frame, Writer& out) {
  Reader in(frame.payload, frame.length);
  switch (static_cast<Msg>(frame.type)) {
    case Msg::kInfo: return handle_info(in, out);
    case Msg::kReset: return handle_reset(in, out);
    case Msg::kConfig: return handle_config(in, out);
    case Msg::kLoadBegin: return handle_load_begin(in, out);
    case Msg::kLoadChunk: return handle_load_chunk(in, out);
    case Msg::kLoadEnd: return handle_load_end(in, out);
    case Msg::kModelInfo: return handle_model_info(in, out);
    case Msg::kInputWrite: return handle_input_write(in, out);
    case Msg::kInvoke: return handle_invoke(in, out);
    case Msg::kOutputRead: return handle_output_read(in, out);
    case Msg::kProfile: return handle_profile(in, out);
    case Msg::kProfileRead: return handle_profile_read(in, out);
    case Msg::kStreamBegin: return stream::begin(in, out, g.settings, g_error, sizeof(g_error));
    case Msg::kStreamAudio: return stream::audio(in, out, g_error, sizeof(g_error));
    case Msg::kStreamEnd: return stream::finish(out, g_error, sizeof(g_error));
    default: {
      Text t(g_error, sizeof(g_error));
      t.add("unknown message type 0x").hex(frame.type);
      return Err::kUnknownCommand;
    }
  }
}

void handle_frame(const Frame& frame) {
  if (frame.type & kResponseBit) return;  // boards do not take responses
  if (g.have_last && frame.seq == g.last_seq && frame.crc == g.last_crc) {
    // The host did not hear the answer: repeat it without doing the work again.
    send_small(Msg::kAck, frame.seq, nullptr);
    board::serial_write(g_tx, g.last_size);
    return;
  }
  send_small(Msg::kAck, frame.seq, nullptr);
  Writer out(g_tx + kHeaderSize, kMaxPayload);
  g_error[0] = '\0';
  Err status = dispatch(frame, out);
  if (status == Err::kOk && !out.ok()) status = error(Err::kTooLarge, "the response does not fit in one frame");
  size_t size;
  if (status == Err::kOk) {
    size = finish_frame(g_tx, static_cast<uint8_t>(frame.type | kResponseBit), frame.seq,
                        static_cast<uint16_t>(out.size()));
  } else {
    Writer err(g_tx + kHeaderSize, kMaxPayload);
    err.u16(static_cast<uint16_t>(status));
    err.text(g_error);
    size = finish_frame(g_tx, static_cast<uint8_t>(Msg::kError), frame.seq,
                        static_cast<uint16_t>(err.size()));
  }
  g.have_last = true;
  g.last_seq = frame.seq;
  g.last_crc = frame.crc;
  g.last_size = size;
  board::serial_write(g_tx, size);
}

}  // namespace

void app_run() {
  runner::unload();
  stream::end();
  g = State();
  use_linked_model();
  char boot[96];
  Text t(boot, sizeof(boot));
  t.add("kwstiny-fw ").add(KWSTINY_FIRMWARE_VERSION).add(" board=").add(board::name());
  send_small(Msg::kBoot, 0, boot);

  FrameParser parser(g_rx, kMaxPayload);
  uint8_t chunk[64];
  uint32_t last_byte_ms = board::millis();
  while (!board::reset_requested()) {
    size_t n = board::serial_read(chunk, sizeof(chunk));
    if (n == 0) {
      if (parser.partial() && board::millis() - last_byte_ms > kPartialFrameTimeoutMs) {
        parser.drop_partial();
      }
      board::serial_wait(parser.partial() ? kPartialFrameTimeoutMs : 1000);
      continue;
    }
    last_byte_ms = board::millis();
    for (size_t i = 0; i < n; ++i) {
      parser.feed(chunk[i]);
      for (;;) {
        FrameParser::Event event = parser.poll();
        if (event == FrameParser::Event::kNone) break;
        if (event == FrameParser::Event::kBadCrc) {
          send_small(Msg::kNak, parser.bad_seq(), nullptr);
          continue;
        }
        handle_frame(parser.frame());
        if (g.reset_after_reply) {
          board::reset();  // returns only on the host board
          return;
        }
      }
    }
  }
}

}  // namespace kws
