// The detector's rules, each pinned with a short hand-made score sequence.
#include "app/detector.h"
#include "tests/unit_test.h"

namespace {

const char kClasses[3][kws::kMaxClassName] = {"alexa", "_unknown_", "stop"};

kws::DetectionSettings settings() {
  kws::DetectionSettings s;
  s.average_window_duration_ms = 500;
  s.minimum_count = 2;
  s.detection_threshold = 200;
  s.suppression_ms = 1000;
  return s;
}

kws::Detection feed(kws::Detector& d, uint8_t alexa, uint8_t unknown, uint8_t stop, int64_t t) {
  const uint8_t scores[3] = {alexa, unknown, stop};
  return d.update(scores, t);
}

}  // namespace

KWS_TEST(detector_needs_minimum_count_results) {
  kws::Detector d;
  d.reset(settings(), kClasses, 3);
  CHECK(feed(d, 255, 0, 0, 0).class_index == -1);  // one result is not enough
  kws::Detection hit = feed(d, 255, 0, 0, 100);
  CHECK(hit.class_index == 0 && hit.score == 255);
}

KWS_TEST(detector_averages_over_the_window_only) {
  kws::Detector d;
  d.reset(settings(), kClasses, 3);
  feed(d, 0, 255, 0, 0);
  feed(d, 0, 255, 0, 100);
  // At 700 ms the results at 0 and 100 ms are older than 500 ms: only two high scores count.
  CHECK(feed(d, 250, 5, 0, 650).class_index == -1);  // still averaging with 100 ms (650-100 < 500)
  kws::Detection hit = feed(d, 250, 5, 0, 700);      // the 100 ms result has left the window
  CHECK(hit.class_index == 0 && hit.score == 250);
}

KWS_TEST(detector_threshold_and_per_class_threshold) {
  kws::DetectionSettings s = settings();
  kws::Detector d;
  d.reset(s, kClasses, 3);
  feed(d, 199, 56, 0, 0);
  CHECK(feed(d, 199, 56, 0, 100).class_index == -1);  // 199 < 200
  s.class_thresholds[0] = 150;
  d.reset(s, kClasses, 3);
  feed(d, 199, 56, 0, 0);
  CHECK(feed(d, 199, 56, 0, 100).class_index == 0);
}

KWS_TEST(detector_never_fires_underscore_classes) {
  kws::Detector d;
  d.reset(settings(), kClasses, 3);
  feed(d, 0, 255, 0, 0);
  CHECK(feed(d, 0, 255, 0, 100).class_index == -1);
}

KWS_TEST(detector_suppresses_repeats_of_a_class) {
  kws::Detector d;
  d.reset(settings(), kClasses, 3);
  feed(d, 255, 0, 0, 0);
  CHECK(feed(d, 255, 0, 0, 100).class_index == 0);
  CHECK(feed(d, 255, 0, 0, 600).class_index == -1);   // within 1000 ms of that detection
  CHECK(feed(d, 0, 0, 255, 1200).class_index == -1);  // alone in its window: below minimum_count
  CHECK(feed(d, 0, 0, 255, 1300).class_index == 2);   // another class is not suppressed
  CHECK(feed(d, 255, 0, 0, 1400).class_index == -1);
  CHECK(feed(d, 255, 0, 0, 1500).class_index == -1);  // stop and alexa tie at 127
  CHECK(feed(d, 255, 0, 0, 1900).class_index == 0);   // alexa again, 1800 ms after the first
}
