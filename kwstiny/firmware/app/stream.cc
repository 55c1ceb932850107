// Streaming on the board: int16 audio in, kwstiny's C frontend (the same source the
// Python package compiles), a sliding window of frames, the model every
// `latency_ms`, and the detector; frames, scores and detections go back as records.
#include "app/stream.h"

#include <math.h>
#include <string.h>

#include "app/detector.h"
#include "app/model_runner.h"
#include "app/text.h"
#include "boards/board.h"
#include "kws_frontend.h"
#include "kws_quantize.h"

#ifndef KWSTINY_FRONTEND_BYTES
#define KWSTINY_FRONTEND_BYTES (16 * 1024)
#endif
#ifndef KWSTINY_WINDOW_VALUES
#define KWSTINY_WINDOW_VALUES (128 * 128)
#endif

namespace kws {
namespace stream {
namespace {

alignas(8) uint8_t g_frontend_memory[KWSTINY_FRONTEND_BYTES];
uint16_t g_window[KWSTINY_WINDOW_VALUES];  // the newest n_frames frames, oldest first
uint16_t g_frame[256];
uint8_t g_scores[kMaxClasses];
int16_t g_samples[160];

struct Stream {
  bool active = false;
  uint8_t flags = 0;
  kws_frontend* frontend = nullptr;
  int channels = 0;
  int window_frames = 0;   // frames the model reads (a streaming model: frames_per_invoke)
  uint32_t report_from = 0;  // results count from this frame count (one whole window)
  int frames_in_window = 0;
  int latency_frames = 1;  // new frames between inferences
  uint32_t next_at = 0;     // the frame count at which the model runs next
  bool model = false;       // a model runs on the window
  bool board_mic = false;   // audio from the board's microphone
  bool dynamic_quantize = false;
  int32_t quantize_range = 0;
  bool static_quantize = false;
  int32_t static_low = 0, static_high = 1;
  int32_t sample_rate = 16000;
  uint32_t window_samples = 0, step_samples = 0;
  uint32_t samples = 0, frames = 0, inferences = 0, detections = 0;
  int n_classes = 0;
  Detector detector;
};
Stream s;

Err fail(Err code, char* error, size_t error_size, const char* what, const char* detail = "") {
  Text(error, error_size).add(what).add(detail);
  return code;
}

kws_frontend_config frontend_config(const FrontendSettings& fe) {
  kws_frontend_config c;
  kws_frontend_config_defaults(&c);
  c.sample_rate_hz = fe.sample_rate_hz;
  c.window_size_ms = fe.window_size_ms;
  c.window_step_ms = fe.window_step_ms;
  c.fft_length = fe.fft_length;
  c.filterbank_n_channels = fe.filterbank_n_channels;
  c.filterbank_lower_band_limit = static_cast<float>(fe.filterbank_lower_band_limit);
  c.filterbank_upper_band_limit = static_cast<float>(fe.filterbank_upper_band_limit);
  c.noise_reduction_enable = fe.noise_reduction_enable;
  c.noise_reduction_smoothing_bits = fe.noise_reduction_smoothing_bits;
  c.noise_reduction_even_smoothing = static_cast<float>(fe.noise_reduction_even_smoothing);
  c.noise_reduction_odd_smoothing = static_cast<float>(fe.noise_reduction_odd_smoothing);
  c.noise_reduction_min_signal_remaining = static_cast<float>(fe.noise_reduction_min_signal_remaining);
  c.pcan_enable = fe.pcan_enable;
  c.pcan_strength = static_cast<float>(fe.pcan_strength);
  c.pcan_offset = static_cast<float>(fe.pcan_offset);
  c.pcan_gain_bits = fe.pcan_gain_bits;
  c.log_scale_enable = fe.log_scale_enable;
  c.log_scale_shift = fe.log_scale_shift;
  c.activity_detection_enable = fe.activity_detection_enable;
  c.activity_detection_alpha_a = static_cast<float>(fe.activity_detection_alpha_a);
  c.activity_detection_alpha_b = static_cast<float>(fe.activity_detection_alpha_b);
  c.activity_detection_arm_threshold = static_cast<float>(fe.activity_detection_arm_threshold);
  c.activity_detection_trip_threshold = static_cast<float>(fe.activity_detection_trip_threshold);
  c.dc_notch_filter_enable = fe.dc_notch_filter_enable;
  c.dc_notch_filter_coefficient = static_cast<float>(fe.dc_notch_filter_coefficient);
  return c;
}

// The model's input from the window, as kwstiny.frontend.model_input and
// kwstiny.inference build it on the laptop.
void fill_input() {
  const TensorInfo& in = runner::input();
  size_t n = static_cast<size_t>(s.window_frames) * static_cast<size_t>(s.channels);
  uint8_t* data = runner::input_data();
  if (s.dynamic_quantize) {
    kws_quantize_dynamic(g_window, reinterpret_cast<int8_t*>(data), n, s.quantize_range);
  } else if (s.static_quantize) {
    kws_quantize_static(g_window, reinterpret_cast<int8_t*>(data), n, s.static_low, s.static_high);
  } else if (in.type == 1) {  // float32: the uint16 values
    float* out = reinterpret_cast<float*>(data);
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<float>(g_window[i]);
  } else {  // int8: the model's own quantization, rounded half to even, in float32
    int8_t* out = reinterpret_cast<int8_t*>(data);
    for (size_t i = 0; i < n; ++i) {
      float q = rintf(static_cast<float>(g_window[i]) / in.scale + static_cast<float>(in.zero_point));
      out[i] = static_cast<int8_t>(q < -128.0f ? -128 : q > 127.0f ? 127 : q);
    }
  }
}

// Class scores 0-255 from the model's output, as kwstiny.stream.detector's
// scores_from_probabilities: round(p * 256) saturated at 255 (an int8 softmax output
// with scale 1/256 and zero point -128 gives exactly q + 128). p is computed in float
// like the laptop's dequantization; multiplying it by 256 is exact.
void scores_from_output() {
  const TensorInfo& out = runner::output();
  const uint8_t* data = runner::output_data();
  for (int c = 0; c < s.n_classes; ++c) {
    float p;
    if (out.type == 1) {
      memcpy(&p, data + 4 * c, 4);
    } else {
      p = (static_cast<float>(reinterpret_cast<const int8_t*>(data)[c]) - static_cast<float>(out.zero_point)) *
          out.scale;
    }
    float score = rintf(p * 256.0f);
    g_scores[c] = static_cast<uint8_t>(score < 0.0f ? 0 : score > 255.0f ? 255 : score);
  }
}

bool room_for_one_frame(const Writer& out) {
  size_t need = 0;
  if (s.flags & kStreamFrames) need += 1 + 4 + 2 + 2 * static_cast<size_t>(s.channels);
  if (s.model && (s.flags & kStreamScores)) need += 1 + 4 + 4 + 1 + runner::output().bytes;
  if (s.model && (s.flags & kStreamDetections)) need += 1 + 4 + 1 + 1;
  return out.space() >= need;
}

Err on_frame(Writer& out, char* error, size_t error_size) {
  // The sample that completed this frame (the frontend may have taken a few more).
  uint32_t end_sample = s.window_samples + s.frames * s.step_samples;
  size_t values = static_cast<size_t>(s.channels);
  if (s.frames_in_window == s.window_frames) {
    memmove(g_window, g_window + values, (static_cast<size_t>(s.window_frames) - 1) * values * 2);
    --s.frames_in_window;
  }
  memcpy(g_window + static_cast<size_t>(s.frames_in_window) * values, g_frame, values * 2);
  ++s.frames_in_window;
  if (s.flags & kStreamFrames) {
    out.u8(static_cast<uint8_t>(Rec::kFrame));
    out.u32(s.frames);
    out.u16(static_cast<uint16_t>(s.channels));
    for (size_t i = 0; i < values; ++i) out.u16(g_frame[i]);
  }
  ++s.frames;
  // kwstiny.stream.loop's schedule, counted in frames: the first inference once one
  // window of frames exists, then one every latency_ms // window_step_ms frames.
  // A streaming model runs every frames_per_invoke frames on those frames; its first
  // results (before one whole window has gone in) only fill its state.
  if (!s.model || s.frames < s.next_at) return Err::kOk;
  s.next_at += static_cast<uint32_t>(s.latency_frames);
  fill_input();
  uint64_t ticks = 0;
  Err status = runner::invoke(&ticks, error, error_size);
  if (status != Err::kOk) return status;
  if (s.frames < s.report_from) return Err::kOk;
  ++s.inferences;
  if (s.flags & kStreamScores) {
    out.u8(static_cast<uint8_t>(Rec::kScores));
    out.u32(end_sample);
    out.u32(static_cast<uint32_t>(ticks > 0xFFFFFFFFull ? 0xFFFFFFFFull : ticks));
    out.u8(static_cast<uint8_t>(runner::output().bytes));
    out.bytes(runner::output_data(), runner::output().bytes);
  }
  scores_from_output();
  // Stamped like the laptop: the end of the newest frame, end_sample * 1000 // rate.
  int64_t time_ms = static_cast<int64_t>(end_sample) * 1000 / s.sample_rate;
  Detection d = s.detector.update(g_scores, time_ms);
  if (d.class_index >= 0) {
    ++s.detections;
    if (s.flags & kStreamDetections) {
      out.u8(static_cast<uint8_t>(Rec::kDetection));
      out.u32(end_sample);
      out.u8(static_cast<uint8_t>(d.class_index));
      out.u8(static_cast<uint8_t>(d.score));
    }
  }
  return Err::kOk;
}

}  // namespace

bool frontend_available() { return true; }

Err begin(Reader& in, Writer& out, const ModelSettings& settings, char* error, size_t error_size) {
  uint8_t flags = in.u8();
  if (!in.ok()) return fail(Err::kBadRequest, error, error_size, "STREAM_BEGIN needs flags");
  end();
  if (!check_stream_settings(settings, error, error_size)) return Err::kConfigInvalid;
  const FrontendSettings& fe = settings.frontend;
  kws_frontend_config config = frontend_config(fe);
  kws_frontend_status status = kws_frontend_check_config(&config);
  if (status != KWS_FRONTEND_OK) {
    return fail(Err::kConfigInvalid, error, error_size, "the frontend rejects fe.",
                kws_frontend_status_setting(status));
  }
  size_t need = kws_frontend_state_size(&config);
  if (need > sizeof(g_frontend_memory)) {
    Text t(error, error_size);
    t.add("the frontend needs ").num(need).add(" bytes of state; this firmware reserves ")
        .num(sizeof(g_frontend_memory)).add(" (build it with a larger KWSTINY_FRONTEND_BYTES)");
    return Err::kTooLarge;
  }
  int window = fe.n_frames();
  if (static_cast<size_t>(window) * static_cast<size_t>(fe.filterbank_n_channels) > KWSTINY_WINDOW_VALUES ||
      fe.filterbank_n_channels > 256) {
    return fail(Err::kTooLarge, error, error_size, "the frame window is larger than this firmware holds",
                " (KWSTINY_WINDOW_VALUES)");
  }
  bool model = runner::loaded();
  if ((flags & (kStreamScores | kStreamDetections)) && !model) {
    return fail(runner::available() ? Err::kNoModel : Err::kNoRuntime, error, error_size,
                "scores and detections need a model, and none is loaded", "");
  }
  bool streaming = model && settings.streaming;
  int model_frames = streaming ? settings.frames_per_invoke : window;
  if (model) {
    const TensorInfo& input = runner::input();
    uint32_t values = static_cast<uint32_t>(model_frames * fe.filterbank_n_channels);
    uint32_t per_value = input.type == 1 ? 4 : 1;
    if (input.bytes != values * per_value) {
      Text t(error, error_size);
      t.add("the model reads ").num(input.bytes).add(" input bytes but the frontend window is ")
          .inum(model_frames).add(" frames x ").inum(fe.filterbank_n_channels).add(" channels");
      return Err::kConfigInvalid;
    }
    if (settings.n_classes != static_cast<int>(runner::output().bytes / (runner::output().type == 1 ? 4 : 1))) {
      return fail(Err::kConfigInvalid, error, error_size,
                  "the model's output size does not match its metadata's class list", "");
    }
  }
  if (kws_frontend_init(&s.frontend, g_frontend_memory, sizeof(g_frontend_memory), &config) != KWS_FRONTEND_OK) {
    return fail(Err::kConfigInvalid, error, error_size, "the frontend failed to start", "");
  }
  if ((flags & kStreamBoardMic) && !board::mic_start(static_cast<uint32_t>(fe.sample_rate_hz))) {
    return fail(Err::kBadRequest, error, error_size, "this board has no microphone: stream audio from the host");
  }
  s.board_mic = (flags & kStreamBoardMic) != 0;
  s.active = true;
  s.flags = flags;
  s.channels = fe.filterbank_n_channels;
  s.window_frames = model_frames;
  s.latency_frames = streaming ? model_frames : settings.detection.latency_ms / fe.window_step_ms;
  if (s.latency_frames < 1) s.latency_frames = 1;
  s.next_at = static_cast<uint32_t>(model_frames);
  s.report_from = static_cast<uint32_t>(window);
  if (streaming) runner::reset_state();  // each stream starts from zero state
  s.model = model;
  s.dynamic_quantize = fe.quantize_dynamic_scale_enable && model && runner::input().type == 9;
  s.static_quantize = fe.quantize_static_scale_enable && model && runner::input().type == 9;
  s.static_low = fe.quantize_static_scale_low;
  s.static_high = fe.quantize_static_scale_high;
  s.quantize_range = kws_quantize_range(static_cast<float>(fe.quantize_dynamic_scale_range_db), fe.log_scale_shift);
  s.sample_rate = fe.sample_rate_hz;
  s.window_samples = static_cast<uint32_t>(kws_frontend_window_samples(s.frontend));
  s.step_samples = static_cast<uint32_t>(kws_frontend_step_samples(s.frontend));
  s.n_classes = settings.n_classes;
  s.detector.reset(settings.detection, settings.classes, settings.n_classes);
  out.u16(static_cast<uint16_t>(s.channels));
  out.u16(static_cast<uint16_t>(kws_frontend_step_samples(s.frontend)));
  out.u16(static_cast<uint16_t>(s.window_frames));
  out.u8(static_cast<uint8_t>(model ? runner::output().bytes : 0));
  out.u32(static_cast<uint32_t>(need));
  return Err::kOk;
}

// Pushes samples (at most one frame step at a time, so a full answer never strands
// samples) and writes the records they produce.
Err push(const int16_t* samples, size_t n, Writer& out, size_t* done, char* error, size_t error_size) {
  while (*done < n) {
    size_t written = 0;
    size_t used = kws_frontend_process(s.frontend, samples + *done, n - *done, g_frame, 1, &written);
    if (used == 0) break;
    *done += used;
    s.samples += static_cast<uint32_t>(used);
    if (written) {
      Err status = on_frame(out, error, error_size);
      if (status != Err::kOk) return status;
    }
  }
  return Err::kOk;
}

Err audio(Reader& in, Writer& out, char* error, size_t error_size) {
  if (!s.active) return fail(Err::kStreamNotStarted, error, error_size, "no stream: send STREAM_BEGIN first");
  uint8_t* consumed_at = out.cursor();
  out.u32(0);
  size_t step = kws_frontend_step_samples(s.frontend);
  size_t block = step < sizeof(g_samples) / 2 ? step : sizeof(g_samples) / 2;
  size_t total = 0;
  if (s.board_mic) {
    // Whatever the microphone captured since the last request (waiting up to 100 ms).
    if (in.remaining()) return fail(Err::kBadRequest, error, error_size, "the stream takes audio from the board's microphone");
    uint32_t start = board::millis();
    while (room_for_one_frame(out)) {
      size_t k = board::mic_read(g_samples, block);
      if (k == 0) {
        if (board::millis() - start > 100) break;
        continue;
      }
      size_t done = 0;
      Err status = push(g_samples, k, out, &done, error, error_size);
      total += done;
      if (status != Err::kOk) return status;
    }
  } else {
    size_t n = in.remaining() / 2;
    const uint8_t* bytes = in.rest();
    while (total < n && room_for_one_frame(out)) {
      size_t k = n - total < block ? n - total : block;
      memcpy(g_samples, bytes + 2 * total, 2 * k);  // the payload is not 2-byte aligned
      size_t done = 0;
      Err status = push(g_samples, k, out, &done, error, error_size);
      total += done;
      if (status != Err::kOk) return status;
      if (done < k) break;
    }
  }
  for (int i = 0; i < 4; ++i) consumed_at[i] = static_cast<uint8_t>(total >> (8 * i));
  return Err::kOk;
}

Err finish(Writer& out, char* error, size_t error_size) {
  if (!s.active) return fail(Err::kStreamNotStarted, error, error_size, "no stream: send STREAM_BEGIN first");
  out.u32(s.samples);
  out.u32(s.frames);
  out.u32(s.inferences);
  out.u32(s.detections);
  end();
  return Err::kOk;
}

void end() {
  if (s.board_mic) board::mic_stop();
  s = Stream();
}

}  // namespace stream
}  // namespace kws
