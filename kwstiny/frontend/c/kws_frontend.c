#include "kws_frontend.h"

#include <string.h>

#include "kws_activity.h"
#include "kws_common.h"
#include "kws_dc_notch.h"
#include "kws_fft.h"
#include "kws_filterbank.h"
#include "kws_log_scale.h"
#include "kws_noise_reduction.h"
#include "kws_pcan.h"
#include "kws_window.h"

struct kws_frontend {
  int dc_notch_enable;
  int noise_reduction_enable;
  int pcan_enable;
  int activity_enable;
  kws_dc_notch dc_notch;
  kws_window window;
  kws_fft fft;
  kws_filterbank filterbank;
  kws_noise_reduction noise_reduction;
  kws_pcan pcan;
  kws_log_scale log_scale;
  kws_activity activity;
  int16_t *fft_input;  /* fft size + 2 entries: windowed frame, then the spectrum */
  uint32_t *channels;  /* n_channels entries */
};

void kws_frontend_config_defaults(kws_frontend_config *config) {
  memset(config, 0, sizeof(*config));
  config->sample_rate_hz = 16000;
  config->window_size_ms = 25;
  config->window_step_ms = 10;
  config->fft_length = 0;
  config->filterbank_n_channels = 32;
  config->filterbank_lower_band_limit = 125.0f;
  config->filterbank_upper_band_limit = 7500.0f;
  config->noise_reduction_enable = 1;
  config->noise_reduction_smoothing_bits = 10;
  config->noise_reduction_even_smoothing = 0.025f;
  config->noise_reduction_odd_smoothing = 0.06f;
  config->noise_reduction_min_signal_remaining = 0.05f;
  config->pcan_enable = 0;
  config->pcan_strength = 0.95f;
  config->pcan_offset = 80.0f;
  config->pcan_gain_bits = 21;
  config->log_scale_enable = 1;
  config->log_scale_shift = 6;
  config->activity_detection_enable = 0;
  config->activity_detection_alpha_a = 0.5f;
  config->activity_detection_alpha_b = 0.8f;
  config->activity_detection_arm_threshold = 0.75f;
  config->activity_detection_trip_threshold = 0.8f;
  config->dc_notch_filter_enable = 0;
  config->dc_notch_filter_coefficient = 0.95f;
}

static size_t kws_window_samples_of(const kws_frontend_config *c) {
  return (size_t)c->window_size_ms * (size_t)c->sample_rate_hz / 1000u;
}

static size_t kws_fft_size_of(const kws_frontend_config *c) {
  size_t size = 1;
  if (c->fft_length > 0) {
    return (size_t)c->fft_length;
  }
  while (size < kws_window_samples_of(c)) {
    size <<= 1;
  }
  return size < KWS_FFT_MIN_SIZE ? KWS_FFT_MIN_SIZE : size;
}

/* log2(fft size) - 1 - filterbank bits / 2: undoes the FFT's growth with its size. */
static int kws_correction_bits(size_t fft_size) {
  return kws_msb32((uint32_t)fft_size) - 1 - KWS_FILTERBANK_BITS / 2;
}

static int kws_fraction_ok(float x) { return x >= 0.0f && x <= 1.0f; }

kws_frontend_status kws_frontend_check_config(const kws_frontend_config *c) {
  size_t window, step, fft_size;
  if (c == NULL) {
    return KWS_FRONTEND_ERROR_ARGUMENT;
  }
  if (c->sample_rate_hz < 1000 || c->sample_rate_hz > 192000) {
    return KWS_FRONTEND_ERROR_SAMPLE_RATE;
  }
  window = kws_window_samples_of(c);
  if (c->window_size_ms <= 0 || window < 2 || window > KWS_FFT_MAX_SIZE) {
    return KWS_FRONTEND_ERROR_WINDOW_SIZE;
  }
  step = (size_t)c->window_step_ms * (size_t)c->sample_rate_hz / 1000u;
  if (c->window_step_ms <= 0 || step < 1 || step > window) {
    return KWS_FRONTEND_ERROR_WINDOW_STEP;
  }
  fft_size = kws_fft_size_of(c);
  if (c->fft_length < 0 || fft_size < window || fft_size > KWS_FFT_MAX_SIZE ||
      (fft_size & (fft_size - 1)) != 0) {
    return KWS_FRONTEND_ERROR_FFT_LENGTH;
  }
  if (c->filterbank_n_channels < 1 || c->filterbank_n_channels > 1024) {
    return KWS_FRONTEND_ERROR_N_CHANNELS;
  }
  if (!(c->filterbank_lower_band_limit >= 0.0f) ||
      !(c->filterbank_lower_band_limit < c->filterbank_upper_band_limit)) {
    return KWS_FRONTEND_ERROR_LOWER_BAND_LIMIT;
  }
  if (!(c->filterbank_upper_band_limit < 0.5f * (float)c->sample_rate_hz)) {
    return KWS_FRONTEND_ERROR_UPPER_BAND_LIMIT;
  }
  if (c->noise_reduction_enable) {
    if (c->noise_reduction_smoothing_bits < 0 || c->noise_reduction_smoothing_bits > 31) {
      return KWS_FRONTEND_ERROR_SMOOTHING_BITS;
    }
    if (!kws_fraction_ok(c->noise_reduction_even_smoothing) ||
        !kws_fraction_ok(c->noise_reduction_odd_smoothing) ||
        !kws_fraction_ok(c->noise_reduction_min_signal_remaining)) {
      return KWS_FRONTEND_ERROR_NOISE_REDUCTION;
    }
  }
  if (c->pcan_enable) {
    const int snr_shift = c->pcan_gain_bits - kws_correction_bits(fft_size) - KWS_PCAN_SNR_BITS;
    if (!c->noise_reduction_enable) {
      return KWS_FRONTEND_ERROR_PCAN_NEEDS_NOISE_REDUCTION;
    }
    if (!(c->pcan_strength >= 0.0f) || !(c->pcan_offset > 0.0f)) {
      return KWS_FRONTEND_ERROR_PCAN;
    }
    if (c->pcan_gain_bits < 1 || c->pcan_gain_bits > 30 || snr_shift < 0) {
      return KWS_FRONTEND_ERROR_PCAN_GAIN_BITS;
    }
  }
  if (c->log_scale_enable && (c->log_scale_shift < 0 || c->log_scale_shift > 15)) {
    return KWS_FRONTEND_ERROR_LOG_SCALE_SHIFT;
  }
  if (c->activity_detection_enable &&
      (!kws_fraction_ok(c->activity_detection_alpha_a) ||
       !kws_fraction_ok(c->activity_detection_alpha_b) ||
       !kws_fraction_ok(c->activity_detection_arm_threshold) ||
       !kws_fraction_ok(c->activity_detection_trip_threshold))) {
    return KWS_FRONTEND_ERROR_ACTIVITY_DETECTION;
  }
  if (c->dc_notch_filter_enable &&
      !(c->dc_notch_filter_coefficient > 0.0f && c->dc_notch_filter_coefficient < 1.0f)) {
    return KWS_FRONTEND_ERROR_DC_NOTCH;
  }
  return KWS_FRONTEND_OK;
}

/* Places every part in the arena. With a counting arena (base NULL) it only
 * measures; the return value is then meaningless. Returns a status for problems
 * that only show once the tables are computed (the upper band limit, gain bits). */
static kws_frontend_status kws_frontend_layout(kws_frontend *fe, kws_arena *arena,
                                               const kws_frontend_config *c) {
  const size_t window = kws_window_samples_of(c);
  const size_t step = (size_t)c->window_step_ms * (size_t)c->sample_rate_hz / 1000u;
  const size_t fft_size = kws_fft_size_of(c);
  const int n_channels = c->filterbank_n_channels;
  const int correction = kws_correction_bits(fft_size);

  fe->dc_notch_enable = c->dc_notch_filter_enable != 0;
  fe->noise_reduction_enable = c->noise_reduction_enable != 0;
  fe->pcan_enable = c->pcan_enable != 0;
  fe->activity_enable = c->activity_detection_enable != 0;

  kws_dc_notch_init(&fe->dc_notch, c->dc_notch_filter_coefficient);
  kws_window_layout(&fe->window, arena, window, step);
  kws_fft_layout(&fe->fft, arena, fft_size);
  fe->fft_input = (int16_t *)kws_arena_take(arena, (fft_size + 2) * sizeof(int16_t));
  fe->channels = (uint32_t *)kws_arena_take(arena, (size_t)n_channels * sizeof(uint32_t));
  if (kws_filterbank_layout(&fe->filterbank, arena, n_channels, c->filterbank_lower_band_limit,
                            c->filterbank_upper_band_limit, c->sample_rate_hz,
                            fft_size / 2 + 1) < 0) {
    return KWS_FRONTEND_ERROR_UPPER_BAND_LIMIT;
  }
  memset(&fe->noise_reduction, 0, sizeof(fe->noise_reduction));
  if (fe->noise_reduction_enable) {
    kws_noise_reduction_layout(&fe->noise_reduction, arena, n_channels,
                               c->noise_reduction_smoothing_bits, c->noise_reduction_even_smoothing,
                               c->noise_reduction_odd_smoothing,
                               c->noise_reduction_min_signal_remaining);
  }
  memset(&fe->pcan, 0, sizeof(fe->pcan));
  if (fe->pcan_enable &&
      kws_pcan_layout(&fe->pcan, arena, n_channels, fe->noise_reduction.estimate, c->pcan_strength,
                      c->pcan_offset, c->pcan_gain_bits, c->noise_reduction_smoothing_bits,
                      correction) < 0) {
    return KWS_FRONTEND_ERROR_PCAN_GAIN_BITS;
  }
  kws_log_scale_init(&fe->log_scale, c->log_scale_enable != 0, c->log_scale_shift, correction);
  kws_activity_init(&fe->activity, n_channels, c->activity_detection_alpha_a,
                    c->activity_detection_alpha_b, c->activity_detection_arm_threshold,
                    c->activity_detection_trip_threshold);
  return KWS_FRONTEND_OK;
}

size_t kws_frontend_state_size(const kws_frontend_config *config) {
  kws_frontend scratch;
  kws_arena counter;
  if (kws_frontend_check_config(config) != KWS_FRONTEND_OK) {
    return 0;
  }
  counter.base = NULL;
  counter.used = 0;
  counter.capacity = 0;
  kws_arena_take(&counter, sizeof(kws_frontend));
  if (kws_frontend_layout(&scratch, &counter, config) != KWS_FRONTEND_OK) {
    return 0;
  }
  /* Slack to align an arbitrary block to 8 bytes. */
  return counter.used + (KWS_ARENA_ALIGN - 1u);
}

kws_frontend_status kws_frontend_init(kws_frontend **frontend, void *memory, size_t size,
                                      const kws_frontend_config *config) {
  kws_frontend_status status;
  kws_arena arena;
  kws_frontend *fe;
  size_t needed, skip;
  if (frontend == NULL || memory == NULL || config == NULL) {
    return KWS_FRONTEND_ERROR_ARGUMENT;
  }
  *frontend = NULL;
  status = kws_frontend_check_config(config);
  if (status != KWS_FRONTEND_OK) {
    return status;
  }
  needed = kws_frontend_state_size(config);
  if (needed == 0) {
    /* The configuration passed the checks but its tables do not fit: find out why. */
    kws_frontend scratch;
    kws_arena counter = {NULL, 0, 0};
    status = kws_frontend_layout(&scratch, &counter, config);
    return status != KWS_FRONTEND_OK ? status : KWS_FRONTEND_ERROR_ARGUMENT;
  }
  if (size < needed) {
    return KWS_FRONTEND_ERROR_MEMORY;
  }
  skip = (size_t)(-(uintptr_t)memory) & (KWS_ARENA_ALIGN - 1u);
  arena.base = (uint8_t *)memory + skip;
  arena.used = 0;
  arena.capacity = size - skip;
  fe = (kws_frontend *)kws_arena_take(&arena, sizeof(kws_frontend));
  status = kws_frontend_layout(fe, &arena, config);
  if (status != KWS_FRONTEND_OK) {
    return status;
  }
  kws_frontend_reset(fe);
  *frontend = fe;
  return KWS_FRONTEND_OK;
}

void kws_frontend_reset(kws_frontend *fe) {
  kws_dc_notch_reset(&fe->dc_notch);
  kws_window_reset(&fe->window);
  if (fe->noise_reduction_enable) {
    kws_noise_reduction_reset(&fe->noise_reduction);
  }
  kws_activity_reset(&fe->activity);
}

/* One frame from the full window buffer into out. */
static void kws_frontend_frame(kws_frontend *fe, uint16_t *out) {
  const size_t fft_size = fe->fft.size;
  const size_t window = fe->window.size;
  kws_cpx *spectrum = (kws_cpx *)(void *)fe->fft_input;
  int shift;
  /* Window (scaled up by `shift` for FFT headroom), zero-padded to the FFT size. */
  shift = kws_window_apply(&fe->window, fe->fft_input);
  memset(fe->fft_input + window, 0, (fft_size - window) * sizeof(int16_t));
  /* The spectrum overwrites the frame it came from (the FFT works in its own
   * buffer), then the filterbank turns it into channel magnitudes, shifted back. */
  kws_fft_real(&fe->fft, fe->fft_input, spectrum);
  kws_filterbank_apply(&fe->filterbank, spectrum, shift, fe->channels);
  if (fe->activity_enable) {
    kws_activity_update(&fe->activity, fe->channels);
  }
  if (fe->noise_reduction_enable) {
    kws_noise_reduction_apply(&fe->noise_reduction, fe->channels);
  }
  if (fe->pcan_enable) {
    kws_pcan_apply(&fe->pcan, fe->channels);
  }
  kws_log_scale_apply(&fe->log_scale, fe->channels, out, fe->filterbank.n_channels);
}

size_t kws_frontend_process(kws_frontend *fe, const int16_t *samples, size_t n, uint16_t *out,
                            size_t max_frames, size_t *frames_written) {
  kws_window *window = &fe->window;
  const size_t n_channels = (size_t)fe->filterbank.n_channels;
  size_t consumed = 0, frames = 0;
  while (consumed < n) {
    size_t take = window->size - window->used;
    if (frames == max_frames && n - consumed >= take) {
      break; /* the next sample would complete a frame with nowhere to go */
    }
    int16_t *slot = window->input + window->used;
    if (take > n - consumed) {
      take = n - consumed;
    }
    if (fe->dc_notch_enable) {
      kws_dc_notch_apply(&fe->dc_notch, samples + consumed, slot, take);
    } else {
      memcpy(slot, samples + consumed, take * sizeof(int16_t));
    }
    consumed += take;
    window->used += take;
    if (window->used == window->size) {
      kws_frontend_frame(fe, out + frames * n_channels);
      ++frames;
    }
  }
  if (frames_written != NULL) {
    *frames_written = frames;
  }
  return consumed;
}

size_t kws_frontend_frames_after(const kws_frontend *fe, size_t n) {
  const size_t have = fe->window.used + n;
  if (have < fe->window.size) {
    return 0;
  }
  return 1 + (have - fe->window.size) / fe->window.step;
}

int kws_frontend_n_channels(const kws_frontend *fe) { return fe->filterbank.n_channels; }
size_t kws_frontend_window_samples(const kws_frontend *fe) { return fe->window.size; }
size_t kws_frontend_step_samples(const kws_frontend *fe) { return fe->window.step; }
size_t kws_frontend_fft_size(const kws_frontend *fe) { return fe->fft.size; }

int kws_frontend_activity_tripped(kws_frontend *fe) {
  return fe->activity_enable ? kws_activity_take_trip(&fe->activity) : 0;
}

const char *kws_frontend_status_setting(kws_frontend_status status) {
  switch (status) {
    case KWS_FRONTEND_OK: return "";
    case KWS_FRONTEND_ERROR_ARGUMENT: return "argument";
    case KWS_FRONTEND_ERROR_MEMORY: return "memory";
    case KWS_FRONTEND_ERROR_SAMPLE_RATE: return "sample_rate_hz";
    case KWS_FRONTEND_ERROR_WINDOW_SIZE: return "window_size_ms";
    case KWS_FRONTEND_ERROR_WINDOW_STEP: return "window_step_ms";
    case KWS_FRONTEND_ERROR_FFT_LENGTH: return "fft_length";
    case KWS_FRONTEND_ERROR_N_CHANNELS: return "filterbank_n_channels";
    case KWS_FRONTEND_ERROR_LOWER_BAND_LIMIT: return "filterbank_lower_band_limit";
    case KWS_FRONTEND_ERROR_UPPER_BAND_LIMIT: return "filterbank_upper_band_limit";
    case KWS_FRONTEND_ERROR_SMOOTHING_BITS: return "noise_reduction_smoothing_bits";
    case KWS_FRONTEND_ERROR_NOISE_REDUCTION: return "noise_reduction";
    case KWS_FRONTEND_ERROR_PCAN_NEEDS_NOISE_REDUCTION: return "pcan_enable";
    case KWS_FRONTEND_ERROR_PCAN: return "pcan";
    case KWS_FRONTEND_ERROR_PCAN_GAIN_BITS: return "pcan_gain_bits";
    case KWS_FRONTEND_ERROR_LOG_SCALE_SHIFT: return "log_scale_shift";
    case KWS_FRONTEND_ERROR_ACTIVITY_DETECTION: return "activity_detection";
    case KWS_FRONTEND_ERROR_DC_NOTCH: return "dc_notch_filter_coefficient";
  }
  return "unknown";
}
