/* Activity detector (MLTK's addition): the total filterbank energy of each frame
 * feeds a fast and a slow one-pole low-pass filter. The detector arms when the fast
 * one falls below arm_threshold times the slow one (a quiet moment) and trips when
 * it then rises above trip_threshold times the slow one (an onset). A trip stays
 * set until read. It observes the filterbank; it never changes the features. */
#ifndef KWS_ACTIVITY_H_
#define KWS_ACTIVITY_H_

#include "kws_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kws_activity {
  int n_channels;
  int scale;              /* energy >> scale: ceil(log2(n_channels)) */
  int16_t alpha_fast;     /* Q8 */
  int16_t alpha_slow;     /* Q8 */
  int16_t arm_threshold;  /* Q12 */
  int16_t trip_threshold; /* Q12 */
  int32_t fast;
  int32_t slow;
  int armed;
  int tripped;
} kws_activity;

void kws_activity_init(kws_activity *activity, int n_channels, float alpha_a, float alpha_b,
                       float arm_threshold, float trip_threshold);
void kws_activity_reset(kws_activity *activity);
void kws_activity_update(kws_activity *activity, const uint32_t *signal);
/* 1 if the detector tripped since the last call (and clears it), else 0. */
int kws_activity_take_trip(kws_activity *activity);

#ifdef __cplusplus
}
#endif

#endif /* KWS_ACTIVITY_H_ */
