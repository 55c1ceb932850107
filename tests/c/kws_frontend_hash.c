/* Frames of fixed synthetic audio under several configurations, reduced to hashes,
 * so that a host build and a Cortex-M33 build (run under QEMU) can be compared
 * integer for integer. Tables are built at init with each platform's libm; this
 * is what shows they still come out the same. Used by tests/test_frontend_c.py.
 *
 * Prints one line per configuration: name, frames, FNV-1a of the uint16 frames,
 * FNV-1a of the int8 model input of the last (up to) 98 frames, state bytes. */
#include <stdio.h>
#include <string.h>

#include "kws_frontend.h"

#ifdef KWS_SEMIHOSTING
void semihost_write0(const char *text);
#define KWS_PRINT(text) semihost_write0(text)
#else
#define KWS_PRINT(text) fputs(text, stdout)
#endif

#define N_SAMPLES 24000
#define MAX_FRAMES 160
#define MAX_CHANNELS 108

static unsigned char memory[40 * 1024] __attribute__((aligned(8)));
static int16_t audio[N_SAMPLES];
static uint16_t frames[MAX_FRAMES * MAX_CHANNELS];
static int8_t quantized[98 * MAX_CHANNELS];

static void make_audio(void) {
  uint32_t seed = 12345u;
  size_t i;
  for (i = 0; i < N_SAMPLES; ++i) {
    int32_t noise, square, value;
    seed = seed * 1103515245u + 12345u;
    noise = ((int32_t)((seed >> 16) & 0x7fff) - 16384) / (1 + (int32_t)(i / 3000));
    square = (i / 3000) % 2 ? 9000 * (int32_t)((i / 23) % 2) - 4500 : 0;
    value = noise + square + (i > 20000 ? 40000 : 0); /* ends clipped */
    audio[i] = (int16_t)(value > 32767 ? 32767 : value);
  }
}

static uint32_t fnv1a(const void *data, size_t bytes) {
  const unsigned char *p = (const unsigned char *)data;
  uint32_t h = 2166136261u;
  size_t i;
  for (i = 0; i < bytes; ++i) {
    h ^= p[i];
    h *= 16777619u;
  }
  return h;
}

static int run(const char *name, const kws_frontend_config *config, int range) {
  kws_frontend *fe = NULL;
  size_t written = 0, size = kws_frontend_state_size(config), n_window, n_quant;
  char line[160];
  int channels = config->filterbank_n_channels;
  if (size == 0 || size > sizeof(memory) ||
      kws_frontend_init(&fe, memory, sizeof(memory), config) != KWS_FRONTEND_OK) {
    KWS_PRINT("init failed\n");
    return 1;
  }
  kws_frontend_process(fe, audio, N_SAMPLES, frames, MAX_FRAMES, &written);
  n_window = written < 98 ? written : 98;
  n_quant = n_window * (size_t)channels;
  kws_quantize_dynamic(frames + (written - n_window) * (size_t)channels, quantized, n_quant,
                       range);
  snprintf(line, sizeof line, "%s frames %lu hash %08lx quantized %08lx state_bytes %lu\n", name,
           (unsigned long)written,
           (unsigned long)fnv1a(frames, written * (size_t)channels * sizeof(uint16_t)),
           (unsigned long)fnv1a(quantized, n_quant), (unsigned long)size);
  KWS_PRINT(line);
  return 0;
}

int main(void) {
  kws_frontend_config c;
  int failed = 0;
  make_audio();
  kws_frontend_config_defaults(&c); /* keyword_spotting_alexa */
  c.window_size_ms = 30;
  c.filterbank_n_channels = 108;
  c.noise_reduction_min_signal_remaining = 0.40f;
  c.dc_notch_filter_enable = 1;
  failed |= run("alexa", &c, kws_quantize_range(40.0f, 6));
  c.pcan_enable = 1;
  c.activity_detection_enable = 1;
  failed |= run("alexa_pcan", &c, kws_quantize_range(30.0f, 6));
  kws_frontend_config_defaults(&c);
  c.sample_rate_hz = 8000;
  c.filterbank_upper_band_limit = 3800.0f;
  c.filterbank_n_channels = 40;
  c.noise_reduction_enable = 0;
  failed |= run("8khz_40ch", &c, kws_quantize_range(60.0f, 6));
  kws_frontend_config_defaults(&c);
  c.window_size_ms = 64;
  c.window_step_ms = 20;
  c.fft_length = 2048;
  c.filterbank_n_channels = 64;
  c.log_scale_enable = 0;
  failed |= run("wide_fft_no_log", &c, 20000);
  return failed;
}
