/* Runs the C frontend the way firmware does: a static block of memory, no malloc,
 * audio arriving in chunks, a small output buffer. Used by tests/test_frontend_c.py.
 *
 *   kws_frontend_check IN.raw OUT.raw   (int16 audio in, uint16 frames out)
 *
 * Config: the keyword_spotting_alexa frontend (DC notch and noise reduction on).
 * Prints "state_bytes N" and exits non-zero if any API contract is broken. */
#include <stdio.h>
#include <string.h>

#include "kws_frontend.h"

static unsigned char memory[32 * 1024];

static void alexa(kws_frontend_config *c) {
  kws_frontend_config_defaults(c);
  c->sample_rate_hz = 16000;
  c->window_size_ms = 30;
  c->window_step_ms = 10;
  c->filterbank_n_channels = 108;
  c->noise_reduction_enable = 1;
  c->noise_reduction_min_signal_remaining = 0.40f;
  c->dc_notch_filter_enable = 1;
  c->dc_notch_filter_coefficient = 0.95f;
}

static int fail(const char *what) {
  fprintf(stderr, "FAIL: %s\n", what);
  return 1;
}

int main(int argc, char **argv) {
  kws_frontend_config config, bad;
  kws_frontend *fe = NULL;
  size_t size, n_read;
  int16_t chunk[1000];
  uint16_t frames[4 * 108];
  FILE *in, *out;
  if (argc != 3) {
    return fail("usage: kws_frontend_check IN.raw OUT.raw");
  }
  alexa(&config);
  size = kws_frontend_state_size(&config);
  if (size == 0 || size > sizeof(memory)) {
    return fail("state size");
  }
  if (kws_frontend_init(&fe, memory, size - 1, &config) != KWS_FRONTEND_ERROR_MEMORY || fe) {
    return fail("a block one byte short must be refused");
  }
  bad = config;
  bad.filterbank_upper_band_limit = 8000.0f;
  if (kws_frontend_init(&fe, memory, sizeof(memory), &bad) != KWS_FRONTEND_ERROR_UPPER_BAND_LIMIT ||
      strcmp(kws_frontend_status_setting(KWS_FRONTEND_ERROR_UPPER_BAND_LIMIT),
             "filterbank_upper_band_limit") != 0 ||
      kws_frontend_state_size(&bad) != 0) {
    return fail("an upper band limit at Nyquist must be refused, naming the setting");
  }
  bad = config;
  bad.pcan_enable = 1;
  bad.noise_reduction_enable = 0;
  if (kws_frontend_check_config(&bad) != KWS_FRONTEND_ERROR_PCAN_NEEDS_NOISE_REDUCTION) {
    return fail("PCAN without noise reduction must be refused");
  }
  /* Deliberately misaligned block: init aligns inside it. */
  if (kws_frontend_init(&fe, memory + 3, size, &config) != KWS_FRONTEND_OK || fe == NULL) {
    return fail("init");
  }
  if (kws_frontend_n_channels(fe) != 108 || kws_frontend_window_samples(fe) != 480 ||
      kws_frontend_step_samples(fe) != 160 || kws_frontend_fft_size(fe) != 512) {
    return fail("sizes");
  }
  in = fopen(argv[1], "rb");
  out = fopen(argv[2], "wb");
  if (in == NULL || out == NULL) {
    return fail("files");
  }
  while ((n_read = fread(chunk, sizeof(int16_t), 1000, in)) > 0) {
    size_t done = 0;
    while (done < n_read) {
      size_t written = 0;
      const size_t expect = kws_frontend_frames_after(fe, n_read - done);
      const size_t used = kws_frontend_process(fe, chunk + done, n_read - done, frames, 4, &written);
      if (written > 4 || (expect <= 4 && (written != expect || used != n_read - done))) {
        return fail("process contract");
      }
      fwrite(frames, sizeof(uint16_t), written * 108, out);
      done += used;
    }
  }
  fclose(in);
  fclose(out);
  printf("state_bytes %lu\n", (unsigned long)size);
  return 0;
}
