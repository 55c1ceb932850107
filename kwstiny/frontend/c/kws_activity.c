#include "kws_activity.h"

void kws_activity_init(kws_activity *activity, int n_channels, float alpha_a, float alpha_b,
                       float arm_threshold, float trip_threshold) {
  int scale = 0;
  while ((1 << scale) < n_channels) {
    ++scale;
  }
  activity->n_channels = n_channels;
  activity->scale = scale;
  /* Truncated fixed point, as MLTK converts them. */
  activity->alpha_fast = (int16_t)(alpha_a * 256.0f);
  activity->alpha_slow = (int16_t)(alpha_b * 256.0f);
  activity->arm_threshold = (int16_t)(arm_threshold * 4096.0f);
  activity->trip_threshold = (int16_t)(trip_threshold * 4096.0f);
  kws_activity_reset(activity);
}

void kws_activity_reset(kws_activity *activity) {
  activity->fast = 0;
  activity->slow = 0;
  activity->armed = 0;
  activity->tripped = 0;
}

/* out = (1 - k) * in + k * out, k in Q8, rounded. Products are 64-bit here (MLTK
 * multiplies in 32 bits, which can overflow on loud input). */
static int32_t kws_one_pole(int32_t in, int32_t out, int16_t k) {
  const int64_t sum = (int64_t)(256 - k) * in + (int64_t)k * out;
  return (int32_t)(((sum >> 7) + 1) >> 1);
}

void kws_activity_update(kws_activity *activity, const uint32_t *signal) {
  uint32_t total = 0;
  int32_t level;
  int i;
  for (i = 0; i < activity->n_channels; ++i) {
    total += signal[i];
  }
  level = (int32_t)(total >> activity->scale);
  activity->fast = kws_one_pole(level, activity->fast, activity->alpha_fast);
  activity->slow = kws_one_pole(level, activity->slow, activity->alpha_slow);
  if (!activity->armed) {
    const int32_t arm_level = (int32_t)(((int64_t)activity->slow * activity->arm_threshold) >> 12);
    if (activity->fast < arm_level) {
      activity->armed = 1;
    }
  } else {
    const int32_t trip_level = (int32_t)(((int64_t)activity->slow * activity->trip_threshold) >> 12);
    if (activity->fast > trip_level) {
      activity->armed = 0;
      activity->tripped = 1;
    }
  }
}

int kws_activity_take_trip(kws_activity *activity) {
  const int tripped = activity->tripped;
  activity->tripped = 0;
  return tripped;
}
