#include "app/settings.h"

#include <stddef.h>
#include <string.h>

#include "app/json.h"
#include "app/text.h"

namespace kws {
namespace {

enum class Type { kInt, kDouble, kBool };

struct Field {
  const char* key;
  Type type;
  size_t offset;
};

#define KWS_FE(name, type) {"fe." #name, type, offsetof(FrontendSettings, name)}
const Field kFrontendFields[] = {
    KWS_FE(sample_rate_hz, Type::kInt),
    KWS_FE(sample_length_ms, Type::kInt),
    KWS_FE(window_size_ms, Type::kInt),
    KWS_FE(window_step_ms, Type::kInt),
    KWS_FE(fft_length, Type::kInt),
    KWS_FE(filterbank_n_channels, Type::kInt),
    KWS_FE(filterbank_lower_band_limit, Type::kDouble),
    KWS_FE(filterbank_upper_band_limit, Type::kDouble),
    KWS_FE(noise_reduction_enable, Type::kBool),
    KWS_FE(noise_reduction_smoothing_bits, Type::kInt),
    KWS_FE(noise_reduction_even_smoothing, Type::kDouble),
    KWS_FE(noise_reduction_odd_smoothing, Type::kDouble),
    KWS_FE(noise_reduction_min_signal_remaining, Type::kDouble),
    KWS_FE(pcan_enable, Type::kBool),
    KWS_FE(pcan_strength, Type::kDouble),
    KWS_FE(pcan_offset, Type::kDouble),
    KWS_FE(pcan_gain_bits, Type::kInt),
    KWS_FE(log_scale_enable, Type::kBool),
    KWS_FE(log_scale_shift, Type::kInt),
    KWS_FE(activity_detection_enable, Type::kBool),
    KWS_FE(activity_detection_alpha_a, Type::kDouble),
    KWS_FE(activity_detection_alpha_b, Type::kDouble),
    KWS_FE(activity_detection_arm_threshold, Type::kDouble),
    KWS_FE(activity_detection_trip_threshold, Type::kDouble),
    KWS_FE(dc_notch_filter_enable, Type::kBool),
    KWS_FE(dc_notch_filter_coefficient, Type::kDouble),
    KWS_FE(quantize_dynamic_scale_enable, Type::kBool),
    KWS_FE(quantize_dynamic_scale_range_db, Type::kDouble),
    KWS_FE(quantize_static_scale_enable, Type::kBool),
    KWS_FE(quantize_static_scale_low, Type::kInt),
    KWS_FE(quantize_static_scale_high, Type::kInt),
};
#undef KWS_FE

#define KWS_DET(name, type) {#name, type, offsetof(DetectionSettings, name)}
const Field kDetectionFields[] = {
    KWS_DET(latency_ms, Type::kInt),
    KWS_DET(minimum_count, Type::kInt),
    KWS_DET(average_window_duration_ms, Type::kInt),
    KWS_DET(detection_threshold, Type::kInt),
    KWS_DET(suppression_ms, Type::kInt),
    KWS_DET(volume_gain, Type::kDouble),
};
#undef KWS_DET

const char kThresholdPrefix[] = "class_thresholds.";

class SettingsVisitor : public JsonVisitor {
 public:
  SettingsVisitor(ModelSettings& settings, char* error, size_t error_size)
      : s_(settings), error_(error), error_size_(error_size) {}

  void value(const char* key, int index, const JsonValue& v) override {
    if (failed_) return;
    for (const Field& f : kFrontendFields) {
      if (strcmp(key, f.key) == 0) {
        s_.has_frontend = true;
        set(reinterpret_cast<char*>(&s_.frontend) + f.offset, f, v);
        return;
      }
    }
    for (const Field& f : kDetectionFields) {
      if (strcmp(key, f.key) == 0) {
        set(reinterpret_cast<char*>(&s_.detection) + f.offset, f, v);
        return;
      }
    }
    if (strcmp(key, "streaming") == 0) {
      if (v.kind != JsonValue::Kind::kBool) return fail("expected true or false for ", key);
      s_.streaming = v.boolean;
    } else if (strcmp(key, "frames_per_invoke") == 0) {
      if (v.kind != JsonValue::Kind::kNumber || v.number != static_cast<double>(static_cast<int32_t>(v.number))) {
        return fail("expected a whole number for ", key);
      }
      s_.frames_per_invoke = static_cast<int32_t>(v.number);
    } else if (strcmp(key, "classes") == 0) {
      class_name(index, v);
    } else if (strncmp(key, kThresholdPrefix, sizeof(kThresholdPrefix) - 1) == 0) {
      threshold(key + sizeof(kThresholdPrefix) - 1, v);
    }
  }

  // A class_thresholds object replaces the previous per-class thresholds (an empty
  // one clears them, as a --threshold override does on the laptop).
  void object(const char* key) override {
    if (strcmp(key, "class_thresholds") == 0) replace_thresholds_ = true;
  }

  // Class thresholds name classes that may be listed later in the document.
  bool resolve_thresholds() {
    if (replace_thresholds_) {
      for (int c = 0; c < kMaxClasses; ++c) s_.detection.class_thresholds[c] = -1;
    }
    for (int t = 0; t < n_thresholds_ && !failed_; ++t) {
      int found = -1;
      for (int c = 0; c < s_.n_classes; ++c) {
        if (strcmp(s_.classes[c], threshold_names_[t]) == 0) found = c;
      }
      if (found < 0) {
        fail("class_thresholds names an unknown class: ", threshold_names_[t]);
      } else {
        s_.detection.class_thresholds[found] = threshold_values_[t];
      }
    }
    return !failed_;
  }

  bool failed() const { return failed_; }

 private:
  void set(char* where, const Field& f, const JsonValue& v) {
    if (f.type == Type::kBool) {
      if (v.kind != JsonValue::Kind::kBool) return fail("expected true or false for ", f.key);
      *reinterpret_cast<bool*>(where) = v.boolean;
    } else if (v.kind != JsonValue::Kind::kNumber) {
      fail("expected a number for ", f.key);
    } else if (f.type == Type::kDouble) {
      *reinterpret_cast<double*>(where) = v.number;
    } else {
      int32_t n = static_cast<int32_t>(v.number);
      if (static_cast<double>(n) != v.number) return fail("expected a whole number for ", f.key);
      *reinterpret_cast<int32_t*>(where) = n;
    }
  }

  void class_name(int index, const JsonValue& v) {
    if (index < 0 || v.kind != JsonValue::Kind::kString) return fail("classes must be a list of names", "");
    if (index >= kMaxClasses) return fail("too many classes for this firmware", "");
    if (index == 0) s_.n_classes = 0;  // a new list replaces the old one
    size_t n = v.length < kMaxClassName - 1 ? v.length : kMaxClassName - 1;
    memcpy(s_.classes[index], v.text, n);
    s_.classes[index][n] = '\0';
    s_.n_classes = index + 1;
  }

  void threshold(const char* name, const JsonValue& v) {
    if (v.kind != JsonValue::Kind::kNumber || v.number < 0 || v.number > 255) {
      return fail("class threshold must be 0 to 255: ", name);
    }
    if (n_thresholds_ >= kMaxClasses) return fail("too many class thresholds", "");
    size_t n = strlen(name);
    if (n >= kMaxClassName) n = kMaxClassName - 1;
    memcpy(threshold_names_[n_thresholds_], name, n);
    threshold_names_[n_thresholds_][n] = '\0';
    threshold_values_[n_thresholds_++] = static_cast<int16_t>(v.number);
  }

  void fail(const char* what, const char* key) {
    if (failed_) return;
    failed_ = true;
    Text t(error_, error_size_);
    t.add(what).add(key);
  }

  ModelSettings& s_;
  char* error_;
  size_t error_size_;
  bool failed_ = false;
  char threshold_names_[kMaxClasses][kMaxClassName] = {};
  int16_t threshold_values_[kMaxClasses] = {};
  int n_thresholds_ = 0;
  bool replace_thresholds_ = false;
};

}  // namespace

bool apply_settings_json(const char* json, size_t size, ModelSettings& settings, char* error,
                         size_t error_size) {
  ModelSettings updated = settings;
  SettingsVisitor visitor(updated, error, error_size);
  if (!json_walk(json, size, visitor)) {
    if (!visitor.failed()) Text(error, error_size).add("settings are not a flat JSON object");
    return false;
  }
  if (visitor.failed() || !visitor.resolve_thresholds()) return false;
  settings = updated;  // all or nothing
  return true;
}

bool check_stream_settings(const ModelSettings& settings, char* error, size_t error_size) {
  const FrontendSettings& fe = settings.frontend;
  Text t(error, error_size);
  if (!settings.has_frontend) {
    t.add("no frontend settings: the model has no kwstiny metadata and none were sent");
    return false;
  }
  if (fe.sample_rate_hz < 8000 || fe.sample_rate_hz > 48000 || fe.window_size_ms <= 0 ||
      fe.window_step_ms <= 0 || fe.window_step_ms > fe.window_size_ms || fe.n_frames() < 1) {
    t.add("frontend window settings are out of range");
    return false;
  }
  if (fe.filterbank_n_channels < 1 || fe.filterbank_n_channels > 256) {
    t.add("fe.filterbank_n_channels must be 1 to 256");
    return false;
  }
  if (settings.detection.latency_ms <= 0 || settings.detection.minimum_count < 1 ||
      settings.detection.average_window_duration_ms <= 0) {
    t.add("detection settings are out of range");
    return false;
  }
  if (settings.streaming && (settings.frames_per_invoke < 1 || settings.frames_per_invoke > fe.n_frames() ||
                             !fe.quantize_static_scale_enable)) {
    t.add("a streaming model needs 1 to n_frames frames_per_invoke and static int8 features");
    return false;
  }
  return true;
}

}  // namespace kws
