// The metadata JSON reader: numbers as Python writes them, types, class thresholds.
#include <string.h>

#include "app/settings.h"
#include "tests/unit_test.h"

namespace {
bool apply(const char* json, kws::ModelSettings& s, char* error) {
  return kws::apply_settings_json(json, strlen(json), s, error, 160);
}
}  // namespace

KWS_TEST(metadata_keys_fill_the_settings) {
  const char* json =
      "{\"average_window_duration_ms\": 440, \"class_thresholds\": {\"alexa\": 200}, "
      "\"classes\": [\"alexa\", \"_unknown_\"], \"description\": \"Keyword \\\"alexa\\\"\", "
      "\"fe.dc_notch_filter_coefficient\": 0.95, \"fe.filterbank_n_channels\": 108, "
      "\"fe.noise_reduction_enable\": true, \"fe.noise_reduction_even_smoothing\": 0.025, "
      "\"fe.noise_reduction_min_signal_remaining\": 0.4, \"fe.sample_length_ms\": 1200, "
      "\"fe.filterbank_upper_band_limit\": 7500.0, \"latency_ms\": 200, \"name\": \"x\", "
      "\"volume_gain\": 0.0, \"version\": 1}";
  kws::ModelSettings s;
  char error[160];
  CHECK(apply(json, s, error));
  CHECK(s.has_frontend);
  CHECK(s.frontend.filterbank_n_channels == 108);
  CHECK(s.frontend.sample_length_ms == 1200);
  CHECK(s.frontend.noise_reduction_enable);
  // The same doubles the compiler (and Python) make from these decimals.
  CHECK(s.frontend.dc_notch_filter_coefficient == 0.95);
  CHECK(s.frontend.noise_reduction_even_smoothing == 0.025);
  CHECK(s.frontend.noise_reduction_min_signal_remaining == 0.4);
  CHECK(s.frontend.filterbank_upper_band_limit == 7500.0);
  CHECK(s.n_classes == 2 && strcmp(s.classes[0], "alexa") == 0 && strcmp(s.classes[1], "_unknown_") == 0);
  CHECK(s.detection.class_thresholds[0] == 200 && s.detection.class_thresholds[1] == -1);
  CHECK(s.detection.latency_ms == 200 && s.detection.average_window_duration_ms == 440);
  CHECK(s.frontend.n_frames() == 118);
}

KWS_TEST(numbers_round_like_python) {
  const char* json = "{\"fe.pcan_strength\": 0.06, \"fe.pcan_offset\": 1e-3, "
                     "\"fe.activity_detection_alpha_a\": 2.5E-1, \"volume_gain\": -12.75}";
  kws::ModelSettings s;
  char error[160];
  CHECK(apply(json, s, error));
  CHECK(s.frontend.pcan_strength == 0.06);
  CHECK(s.frontend.pcan_offset == 1e-3);
  CHECK(s.frontend.activity_detection_alpha_a == 0.25);
  CHECK(s.detection.volume_gain == -12.75);
}

KWS_TEST(wrong_kind_of_value_names_the_key_and_changes_nothing) {
  kws::ModelSettings s;
  char error[160];
  CHECK(!apply("{\"fe.window_step_ms\": 20, \"fe.pcan_enable\": 1}", s, error));
  CHECK(strstr(error, "fe.pcan_enable") != nullptr);
  CHECK(s.frontend.window_step_ms == 10);  // all or nothing
  CHECK(!apply("{\"fe.window_step_ms\": 10.5}", s, error));
  CHECK(strstr(error, "fe.window_step_ms") != nullptr);
}

KWS_TEST(threshold_for_an_unknown_class_is_an_error) {
  kws::ModelSettings s;
  char error[160];
  CHECK(!apply("{\"classes\": [\"yes\"], \"class_thresholds\": {\"no\": 100}}", s, error));
  CHECK(strstr(error, "no") != nullptr);
}

KWS_TEST(malformed_json_is_an_error) {
  kws::ModelSettings s;
  char error[160];
  CHECK(!apply("{\"latency_ms\": 200", s, error));
  CHECK(!apply("[1, 2]", s, error));
  CHECK(!apply("{\"a\": {\"b\": {\"c\": 1}}}", s, error));  // deeper than the metadata goes
  CHECK(apply("{}", s, error));
}

KWS_TEST(class_thresholds_object_replaces_the_previous_ones) {
  kws::ModelSettings s;
  char error[160];
  CHECK(apply("{\"classes\": [\"yes\", \"no\"], \"class_thresholds\": {\"no\": 100}}", s, error));
  CHECK(s.detection.class_thresholds[0] == -1 && s.detection.class_thresholds[1] == 100);
  CHECK(apply("{\"detection_threshold\": 180}", s, error));  // other keys leave them alone
  CHECK(s.detection.class_thresholds[1] == 100);
  CHECK(apply("{\"class_thresholds\": {}, \"detection_threshold\": 150}", s, error));
  CHECK(s.detection.class_thresholds[1] == -1 && s.detection.detection_threshold == 150);
}
