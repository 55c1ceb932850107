// The settings a model carries in its "kwstiny" metadata (frontend `fe.*` keys,
// detection keys, class names), as the firmware holds them. CONFIG messages carry
// the same JSON and override single keys.
#ifndef KWSTINY_APP_SETTINGS_H_
#define KWSTINY_APP_SETTINGS_H_

#include <stddef.h>
#include <stdint.h>

namespace kws {

constexpr int kMaxClasses = 16;
constexpr int kMaxClassName = 24;

// Mirrors kwstiny.frontend.settings.FrontendSettings field by field.
struct FrontendSettings {
  int32_t sample_rate_hz = 16000;
  int32_t sample_length_ms = 1000;
  int32_t window_size_ms = 30;
  int32_t window_step_ms = 10;
  int32_t fft_length = 0;
  int32_t filterbank_n_channels = 40;
  double filterbank_lower_band_limit = 125.0;
  double filterbank_upper_band_limit = 7500.0;
  bool noise_reduction_enable = false;
  int32_t noise_reduction_smoothing_bits = 10;
  double noise_reduction_even_smoothing = 0.025;
  double noise_reduction_odd_smoothing = 0.06;
  double noise_reduction_min_signal_remaining = 0.05;
  bool pcan_enable = false;
  double pcan_strength = 0.95;
  double pcan_offset = 80.0;
  int32_t pcan_gain_bits = 21;
  bool log_scale_enable = true;
  int32_t log_scale_shift = 6;
  bool activity_detection_enable = false;
  double activity_detection_alpha_a = 0.5;
  double activity_detection_alpha_b = 0.8;
  double activity_detection_arm_threshold = 0.75;
  double activity_detection_trip_threshold = 0.8;
  bool dc_notch_filter_enable = false;
  double dc_notch_filter_coefficient = 0.95;
  bool quantize_dynamic_scale_enable = false;
  double quantize_dynamic_scale_range_db = 40.0;
  bool quantize_static_scale_enable = false;
  int32_t quantize_static_scale_low = 0;
  int32_t quantize_static_scale_high = 1023;

  int32_t window_samples() const { return window_size_ms * sample_rate_hz / 1000; }
  int32_t step_samples() const { return window_step_ms * sample_rate_hz / 1000; }
  int32_t n_frames() const {
    return (sample_length_ms * sample_rate_hz / 1000 - window_samples()) / step_samples() + 1;
  }
};

// Mirrors kwstiny.spec.DetectionSettings.
struct DetectionSettings {
  int32_t latency_ms = 200;
  int32_t minimum_count = 2;
  int32_t average_window_duration_ms = 440;
  int32_t detection_threshold = 216;
  int32_t suppression_ms = 900;
  int16_t class_thresholds[kMaxClasses];  // -1: use detection_threshold
  double volume_gain = 0.0;

  DetectionSettings() {
    for (int i = 0; i < kMaxClasses; ++i) class_thresholds[i] = -1;
  }
};

struct ModelSettings {
  FrontendSettings frontend;
  DetectionSettings detection;
  char classes[kMaxClasses][kMaxClassName] = {};
  int n_classes = 0;
  bool has_frontend = false;  // at least one fe.* key was seen
  // A streaming model (kwstiny.models.streaming): state inside, frames_per_invoke new
  // frames per invoke.
  bool streaming = false;
  int32_t frames_per_invoke = 0;
};

// Applies the keys of a JSON object to `settings`. Unknown keys are ignored
// (the metadata also holds name, description ...); a malformed document or a
// value of the wrong kind for a known key fails and names the key in `error`.
bool apply_settings_json(const char* json, size_t size, ModelSettings& settings,
                         char* error, size_t error_size);

// Checks what the streaming path relies on (sizes, ranges); names the problem.
bool check_stream_settings(const ModelSettings& settings, char* error, size_t error_size);

}  // namespace kws

#endif  // KWSTINY_APP_SETTINGS_H_
