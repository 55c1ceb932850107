// Turns a stream of per-inference class scores (0-255) into detections: the C++ port
// of kwstiny/stream/detector.py, rule for rule (its docstring lists rules 1-7), checked
// against the same test vectors (tests/vectors/detector/). Integer scores, integer
// milliseconds, integer averages; a fixed ring of results, no allocation.
#ifndef KWSTINY_APP_DETECTOR_H_
#define KWSTINY_APP_DETECTOR_H_

#include <stdint.h>

#include "app/settings.h"

namespace kws {

// The most results the averaging window holds (e.g. 440 ms at a 200 ms latency: 3).
constexpr int kMaxResults = 64;

struct Detection {
  int class_index;  // -1: nothing detected
  int score;        // the class's average score over the window (0-255)
};

class Detector {
 public:
  void reset(const DetectionSettings& settings, const char (*classes)[kMaxClassName], int n_classes);
  // One inference's scores at time_ms (from the stream's start; never decreasing).
  Detection update(const uint8_t* scores, int64_t time_ms);
  // The per-class averages after the last update, or null when too few results are kept.
  const int32_t* averages() const { return have_averages_ ? averages_ : nullptr; }

 private:
  DetectionSettings settings_;
  int n_classes_ = 0;
  bool can_fire_[kMaxClasses] = {};  // classes named "_..." never fire
  int32_t thresholds_[kMaxClasses] = {};
  int64_t times_[kMaxResults] = {};
  uint8_t scores_[kMaxResults][kMaxClasses] = {};
  int head_ = 0, count_ = 0;
  int32_t averages_[kMaxClasses] = {};
  bool have_averages_ = false;
  int64_t last_detection_ms_[kMaxClasses] = {};
  bool fired_before_[kMaxClasses] = {};
};

}  // namespace kws

#endif  // KWSTINY_APP_DETECTOR_H_
