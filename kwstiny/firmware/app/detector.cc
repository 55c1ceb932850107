#include "app/detector.h"

namespace kws {

void Detector::reset(const DetectionSettings& settings, const char (*classes)[kMaxClassName],
                     int n_classes) {
  settings_ = settings;
  n_classes_ = n_classes > kMaxClasses ? kMaxClasses : n_classes;
  for (int c = 0; c < kMaxClasses; ++c) {
    can_fire_[c] = c < n_classes_ && !(classes && classes[c][0] == '_');
    thresholds_[c] = settings.class_thresholds[c] >= 0 ? settings.class_thresholds[c]
                                                         : settings.detection_threshold;
    fired_before_[c] = false;
    last_detection_ms_[c] = 0;
  }
  head_ = count_ = 0;
  have_averages_ = false;
}

Detection Detector::update(const uint8_t* scores, int64_t time_ms) {
  // Rule 1-2: the newest result in; results more than the window old out (a result
  // exactly average_window_duration_ms old stays).
  if (count_ == kMaxResults) {  // a window longer than the ring: keep the newest
    head_ = (head_ + 1) % kMaxResults;
    --count_;
  }
  int slot = (head_ + count_) % kMaxResults;
  ++count_;
  times_[slot] = time_ms;
  for (int c = 0; c < n_classes_; ++c) scores_[slot][c] = scores[c];
  while (time_ms - times_[head_] > settings_.average_window_duration_ms) {
    head_ = (head_ + 1) % kMaxResults;
    --count_;
  }
  // Rule 3: no decision with fewer than minimum_count results.
  have_averages_ = count_ >= settings_.minimum_count;
  if (!have_averages_) return Detection{-1, 0};
  // Rule 4-5: integer averages; the top class is the first with the highest one.
  int top = 0;
  for (int c = 0; c < n_classes_; ++c) {
    int32_t sum = 0;
    for (int i = 0; i < count_; ++i) sum += scores_[(head_ + i) % kMaxResults][c];
    averages_[c] = sum / count_;
    if (averages_[c] > averages_[top]) top = c;
  }
  // Rule 5-6: "_" classes never fire; the top class must exceed its threshold.
  if (n_classes_ == 0 || !can_fire_[top] || averages_[top] <= thresholds_[top]) return Detection{-1, 0};
  // Rule 7: a class that fired waits suppression_ms; others are not held back.
  if (fired_before_[top] && time_ms - last_detection_ms_[top] < settings_.suppression_ms) {
    return Detection{-1, 0};
  }
  fired_before_[top] = true;
  last_detection_ms_[top] = time_ms;
  return Detection{top, averages_[top]};
}

}  // namespace kws
