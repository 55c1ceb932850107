// Replays tests/vectors/detector/*.json (the Python detector's test vectors) through
// the firmware's detector: averages and detections must match at every step.
#include <string.h>

#include "app/detector.h"
#include "app/text.h"
#include "tests/unit_test.h"

namespace {

struct VectorStep {
  int64_t time_ms;
  uint8_t scores[kws::kMaxClasses];
  bool has_averages;
  int32_t averages[kws::kMaxClasses];
  int detection_class;
  int detection_score;
};

struct VectorThreshold {
  const char* name;
  int value;
};

struct DetectorVector {
  const char* name;
  int n_classes;
  const char* classes[kws::kMaxClasses];
  int window_ms, minimum_count, threshold, suppression_ms;
  int n_thresholds;
  VectorThreshold thresholds[kws::kMaxClasses];
  int max_results;
  const VectorStep* steps;
  int n_steps;
};

#include "detector_vectors.inc"

void report(const DetectorVector& v, int step, const char* what) {
  char line[160];
  kws::Text t(line, sizeof(line));
  t.add("  vector ").add(v.name).add(", step ").inum(step).add(": ").add(what).add('\n');
  kws_test::print(line);
}

}  // namespace

KWS_TEST(detector_replays_the_python_test_vectors) {
  int n_vectors = static_cast<int>(sizeof(kVectors) / sizeof(kVectors[0]));
  CHECK(n_vectors >= 10);
  for (const DetectorVector& v : kVectors) {
    CHECK(v.max_results <= kws::kMaxResults);
    char classes[kws::kMaxClasses][kws::kMaxClassName] = {};
    for (int c = 0; c < v.n_classes; ++c) strncpy(classes[c], v.classes[c], kws::kMaxClassName - 1);
    kws::DetectionSettings settings;
    settings.average_window_duration_ms = v.window_ms;
    settings.minimum_count = v.minimum_count;
    settings.detection_threshold = v.threshold;
    settings.suppression_ms = v.suppression_ms;
    for (int t = 0; t < v.n_thresholds; ++t) {
      for (int c = 0; c < v.n_classes; ++c) {
        if (strcmp(v.classes[c], v.thresholds[t].name) == 0) {
          settings.class_thresholds[c] = static_cast<int16_t>(v.thresholds[t].value);
        }
      }
    }
    kws::Detector detector;
    detector.reset(settings, classes, v.n_classes);
    for (int s = 0; s < v.n_steps; ++s) {
      const VectorStep& step = v.steps[s];
      kws::Detection d = detector.update(step.scores, step.time_ms);
      const int32_t* averages = detector.averages();
      bool ok = (averages != nullptr) == step.has_averages;
      for (int c = 0; ok && averages && c < v.n_classes; ++c) ok = averages[c] == step.averages[c];
      if (!ok) report(v, s, "averages differ");
      CHECK(ok);
      bool same = d.class_index == step.detection_class &&
                  (d.class_index < 0 || d.score == step.detection_score);
      if (!same) report(v, s, "detection differs");
      CHECK(same);
    }
  }
}
