/* kwstiny audio frontend: int16 audio in, one uint16 filterbank frame per step out.
 *
 * Pipeline per frame (each stage optional as noted):
 *   [DC notch] -> Hann window -> int16 real FFT -> power spectrum -> mel filterbank
 *   -> sqrt -> [activity detector] -> [noise reduction] -> [PCAN] -> [log scale]
 * With the DC notch off this is TensorFlow's TFLM microfrontend bit for bit; the
 * DC notch, the switchable noise reduction, the activity detector and the window
 * quantizer (kws_quantize.h) follow Silicon Labs MLTK's AudioFeatureGenerator.
 *
 * Memory: the caller owns it. kws_frontend_state_size() says how many bytes a
 * configuration needs; kws_frontend_init() lays everything out inside that block
 * (tables are built there, once). Nothing is allocated afterwards and the per-frame
 * path uses no floating point, so the same source runs in the Python extension and
 * in firmware. C99; no dependencies beyond libm at init.
 *
 * Build note: table construction rounds float products explicitly; compile with
 * -ffp-contract=off anyway if your toolchain fuses multiply-adds aggressively. */
#ifndef KWS_FRONTEND_H_
#define KWS_FRONTEND_H_

#include <stddef.h>
#include <stdint.h>

#include "kws_quantize.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Field names match kwstiny.frontend.FrontendSettings (and the `fe.` metadata). */
typedef struct kws_frontend_config {
  int32_t sample_rate_hz;
  int32_t window_size_ms;
  int32_t window_step_ms;
  int32_t fft_length; /* 0: the smallest power of two holding a window */

  int32_t filterbank_n_channels;
  float filterbank_lower_band_limit;
  float filterbank_upper_band_limit;

  int32_t noise_reduction_enable;
  int32_t noise_reduction_smoothing_bits;
  float noise_reduction_even_smoothing;
  float noise_reduction_odd_smoothing;
  float noise_reduction_min_signal_remaining;

  int32_t pcan_enable; /* needs noise reduction (it uses its noise estimate) */
  float pcan_strength;
  float pcan_offset;
  int32_t pcan_gain_bits;

  int32_t log_scale_enable;
  int32_t log_scale_shift;

  int32_t activity_detection_enable;
  float activity_detection_alpha_a;
  float activity_detection_alpha_b;
  float activity_detection_arm_threshold;
  float activity_detection_trip_threshold;

  int32_t dc_notch_filter_enable;
  float dc_notch_filter_coefficient;
} kws_frontend_config;

typedef enum kws_frontend_status {
  KWS_FRONTEND_OK = 0,
  KWS_FRONTEND_ERROR_ARGUMENT,           /* a NULL pointer */
  KWS_FRONTEND_ERROR_MEMORY,             /* the block is smaller than state_size() */
  KWS_FRONTEND_ERROR_SAMPLE_RATE,        /* sample_rate_hz */
  KWS_FRONTEND_ERROR_WINDOW_SIZE,        /* window_size_ms */
  KWS_FRONTEND_ERROR_WINDOW_STEP,        /* window_step_ms */
  KWS_FRONTEND_ERROR_FFT_LENGTH,         /* fft_length */
  KWS_FRONTEND_ERROR_N_CHANNELS,         /* filterbank_n_channels */
  KWS_FRONTEND_ERROR_LOWER_BAND_LIMIT,   /* filterbank_lower_band_limit */
  KWS_FRONTEND_ERROR_UPPER_BAND_LIMIT,   /* filterbank_upper_band_limit */
  KWS_FRONTEND_ERROR_SMOOTHING_BITS,     /* noise_reduction_smoothing_bits */
  KWS_FRONTEND_ERROR_NOISE_REDUCTION,    /* a noise_reduction_* fraction */
  KWS_FRONTEND_ERROR_PCAN_NEEDS_NOISE_REDUCTION, /* pcan_enable */
  KWS_FRONTEND_ERROR_PCAN,               /* pcan_strength / pcan_offset */
  KWS_FRONTEND_ERROR_PCAN_GAIN_BITS,     /* pcan_gain_bits */
  KWS_FRONTEND_ERROR_LOG_SCALE_SHIFT,    /* log_scale_shift */
  KWS_FRONTEND_ERROR_ACTIVITY_DETECTION, /* an activity_detection_* value */
  KWS_FRONTEND_ERROR_DC_NOTCH            /* dc_notch_filter_coefficient */
} kws_frontend_status;

typedef struct kws_frontend kws_frontend;

/* TFLM's defaults plus the MLTK stages off. */
void kws_frontend_config_defaults(kws_frontend_config *config);

/* Bytes kws_frontend_init() needs for this configuration (0 if it is invalid:
 * kws_frontend_check_config() says why). Built tables live in this block too. */
size_t kws_frontend_state_size(const kws_frontend_config *config);
kws_frontend_status kws_frontend_check_config(const kws_frontend_config *config);

/* Lays the frontend out in `memory` (8-byte alignment is best; any address works)
 * and resets it. On success *frontend points into memory. */
kws_frontend_status kws_frontend_init(kws_frontend **frontend, void *memory, size_t size,
                                      const kws_frontend_config *config);
/* Back to the state right after init: no buffered samples, filters at rest. */
void kws_frontend_reset(kws_frontend *frontend);

/* Consumes up to n samples and writes each completed frame (n_channels uint16
 * values) to out. It stops early only where one more sample would complete a frame
 * beyond max_frames. Returns the samples consumed; *frames_written (may be NULL)
 * gets the frame count. Feeding the remainder later gives exactly the same frames:
 * chunking never matters. */
size_t kws_frontend_process(kws_frontend *frontend, const int16_t *samples, size_t n,
                            uint16_t *out, size_t max_frames, size_t *frames_written);
/* Frames that n more samples would complete. */
size_t kws_frontend_frames_after(const kws_frontend *frontend, size_t n);

int kws_frontend_n_channels(const kws_frontend *frontend);
size_t kws_frontend_window_samples(const kws_frontend *frontend);
size_t kws_frontend_step_samples(const kws_frontend *frontend);
size_t kws_frontend_fft_size(const kws_frontend *frontend);
/* 1 if the activity detector tripped since the last call (clears it); 0 if not or
 * if detection is off. */
int kws_frontend_activity_tripped(kws_frontend *frontend);

/* The config field a status complains about ("" for OK). */
const char *kws_frontend_status_setting(kws_frontend_status status);

#ifdef __cplusplus
}
#endif

#endif /* KWS_FRONTEND_H_ */
