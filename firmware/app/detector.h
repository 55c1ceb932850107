// Turns a stream of per-inference class scores (0-255) into detections: the C++
// port of kwstiny.stream's detector, with the same rules and settings (PROTOCOL.md
// and the detector's Python docstring). No allocation: a fixed ring of results.
#ifndef KWSTINY_APP_DETECTOR_H_
#define KWSTINY_APP_DETECTOR_H_

#include <stdint.h>

#include "app/settings.h"

namespace kws {

constexpr int kMaxResults = 64;

struct Detection {
  int class_index;  // -1: nothing detected
  int score;        // the class's average score over the window (0-255)
};

class Detector {
 public:
  void reset(const DetectionSettings& settings, const char (*classes)[kMaxClassName], int n_classes);
  // One inference's scores at time_ms (from the stream's start).
  Detection update(const uint8_t* scores, int64_t time_ms);

 private:
  DetectionSettings settings_;
  int n_classes_ = 0;
  bool silent_[kMaxClasses] = {};  // classes named "_..." never fire
  int64_t times_[kMaxResults] = {};
  uint8_t scores_[kMaxResults][kMaxClasses] = {};
  int head_ = 0, count_ = 0;
  int64_t last_detection_ms_[kMaxClasses] = {};
  bool detected_before_[kMaxClasses] = {};
};

}  // namespace kws

#endif  // KWSTINY_APP_DETECTOR_H_
