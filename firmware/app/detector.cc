#include "app/detector.h"

namespace kws {

void Detector::reset(const DetectionSettings& settings, const char (*classes)[kMaxClassName],
                     int n_classes) {
  settings_ = settings;
  n_classes_ = n_classes > kMaxClasses ? kMaxClasses : n_classes;
  for (int c = 0; c < kMaxClasses; ++c) {
    silent_[c] = c < n_classes_ && classes && classes[c][0] == '_';
    detected_before_[c] = false;
    last_detection_ms_[c] = 0;
  }
  head_ = count_ = 0;
}

Detection Detector::update(const uint8_t* scores, int64_t time_ms) {
  // Newest result in, results older than the averaging window out.
  int slot = (head_ + count_) % kMaxResults;
  if (count_ == kMaxResults) {
    head_ = (head_ + 1) % kMaxResults;
  } else {
    ++count_;
  }
  times_[slot] = time_ms;
  for (int c = 0; c < n_classes_; ++c) scores_[slot][c] = scores[c];
  while (count_ > 0 && times_[head_] < time_ms - settings_.average_window_duration_ms) {
    head_ = (head_ + 1) % kMaxResults;
    --count_;
  }
  if (count_ < settings_.minimum_count) return Detection{-1, 0};

  int best = -1, best_average = -1;
  for (int c = 0; c < n_classes_; ++c) {
    int sum = 0;
    for (int i = 0; i < count_; ++i) sum += scores_[(head_ + i) % kMaxResults][c];
    int average = sum / count_;
    if (average > best_average) {
      best_average = average;
      best = c;
    }
  }
  if (best < 0 || silent_[best]) return Detection{-1, 0};
  int threshold = settings_.class_thresholds[best] >= 0 ? settings_.class_thresholds[best]
                                                          : settings_.detection_threshold;
  if (best_average < threshold) return Detection{-1, 0};
  if (detected_before_[best] && time_ms - last_detection_ms_[best] < settings_.suppression_ms) {
    return Detection{-1, 0};
  }
  detected_before_[best] = true;
  last_detection_ms_[best] = time_ms;
  return Detection{best, best_average};
}

}  // namespace kws
