/* Instruction counts of CMSIS-NN int8 kernels on an emulated Cortex-M33 (QEMU mps2-an505,
 * -icount shift=0: 1 instruction = 1 ns of virtual time; SysTick ticks are calibrated
 * against a loop of known length). Shapes are TENet12's layers and some size variants. */
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include "arm_nnfunctions.h"

#define SYST_CSR (*(volatile uint32_t*)0xE000E010)
#define SYST_RVR (*(volatile uint32_t*)0xE000E014)
#define SYST_CVR (*(volatile uint32_t*)0xE000E018)

static int8_t in_buf[160000], out_buf[160000], w_buf[120000];
static int32_t bias[512], mult[512], shift_[512];
static int8_t scratch[64000];
static double insn_per_tick;

static void timer_start(void) { SYST_RVR = 0xFFFFFF; SYST_CVR = 0; SYST_CSR = 5; while (SYST_CVR == 0) {} }
static uint32_t now(void) { return SYST_CVR; }
static uint32_t ticks(uint32_t a, uint32_t b) { return (a - b) & 0xFFFFFF; }

__attribute__((noinline)) static void known_loop(int n) {
  __asm volatile(
      "1: subs %0, %0, #1 \n nop \n nop \n nop \n nop \n nop \n nop \n nop \n bne 1b" : "+r"(n));
}

static void calibrate(void) {
  uint32_t a = now(); known_loop(200000); uint32_t b = now();
  insn_per_tick = 200000.0 * 9 / ticks(a, b);  /* 9 instructions per iteration */
}

static void fill(void) {
  for (int i = 0; i < (int)sizeof(in_buf); i++) in_buf[i] = (int8_t)(i * 37 + 11);
  for (int i = 0; i < (int)sizeof(w_buf); i++) w_buf[i] = (int8_t)(i * 53 + 5);
  for (int i = 0; i < 512; i++) { bias[i] = i * 13 - 200; mult[i] = 1518500250 + i * 1000; shift_[i] = -8; }
}

#define REPORT(kind, h, cin, cout, k, stride, macs, outs, ins, t) \
  printf("%s h=%d w=1 cin=%d cout=%d kh=%d kw=1 stride=%d macs=%ld outputs=%ld inputs=%ld insn=%.0f\n", kind, h, cin, cout, k, stride, \
         (long)(macs), (long)(outs), (long)(ins), (t) * insn_per_tick)

static int same_pad(int size, int out, int k, int stride) {
  int total = (out - 1) * stride + k - size;
  return total > 0 ? total / 2 : 0;
}

static long valid_taps(int size, int out, int k, int stride, int pad) {
  long valid = 0;
  for (int o = 0; o < out; o++)
    for (int t = 0; t < k; t++) { int r = o * stride - pad + t; if (r >= 0 && r < size) valid++; }
  return valid;
}

/* 'same' convolution of an h x w x cin input with a kh x kw kernel */
static void conv(int h, int w, int cin, int cout, int kh, int kw, int stride) {
  int oh = (h + stride - 1) / stride, ow = (w + stride - 1) / stride;
  cmsis_nn_conv_params p = {0};
  p.input_offset = 3; p.output_offset = -2; p.stride.h = stride; p.stride.w = w > 1 ? stride : 1;
  if (w == 1) ow = 1;
  p.padding.h = same_pad(h, oh, kh, stride); p.padding.w = same_pad(w, ow, kw, p.stride.w);
  p.dilation.h = 1; p.dilation.w = 1; p.activation.min = -128; p.activation.max = 127;
  cmsis_nn_per_channel_quant_params q = {mult, shift_};
  cmsis_nn_dims id = {1, h, w, cin}, fd = {cout, kh, kw, cin}, bd = {1, 1, 1, cout}, od = {1, oh, ow, cout};
  cmsis_nn_context ctx = {scratch, arm_convolve_wrapper_s8_get_buffer_size(&p, &id, &fd, &od)};
  uint32_t a = now();
  arm_cmsis_nn_status s = arm_convolve_wrapper_s8(&ctx, &p, &q, &id, in_buf, &fd, w_buf, &bd, bias, &od, out_buf);
  uint32_t b = now();
  if (s != ARM_CMSIS_NN_SUCCESS) printf("conv failed\n");
  long valid = valid_taps(h, oh, kh, stride, p.padding.h) * valid_taps(w, ow, kw, p.stride.w, p.padding.w);
  printf("conv_2d h=%d w=%d cin=%d cout=%d kh=%d kw=%d stride=%d macs=%ld outputs=%ld inputs=%ld insn=%.0f\n",
         h, w, cin, cout, kh, kw, stride, valid * cin * cout, (long)oh * ow * cout, (long)h * w * cin,
         ticks(a, b) * insn_per_tick);
}

static void dwconv(int h, int w, int ch, int kh, int kw, int stride) {
  int oh = (h + stride - 1) / stride, ow = w > 1 ? (w + stride - 1) / stride : 1;
  cmsis_nn_dw_conv_params p = {0};
  p.input_offset = 3; p.output_offset = -2; p.ch_mult = 1; p.stride.h = stride; p.stride.w = w > 1 ? stride : 1;
  p.padding.h = same_pad(h, oh, kh, stride); p.padding.w = same_pad(w, ow, kw, p.stride.w);
  p.dilation.h = 1; p.dilation.w = 1; p.activation.min = -128; p.activation.max = 127;
  cmsis_nn_per_channel_quant_params q = {mult, shift_};
  cmsis_nn_dims id = {1, h, w, ch}, fd = {1, kh, kw, ch}, bd = {1, 1, 1, ch}, od = {1, oh, ow, ch};
  cmsis_nn_context ctx = {scratch, arm_depthwise_conv_wrapper_s8_get_buffer_size(&p, &id, &fd, &od)};
  uint32_t a = now();
  arm_cmsis_nn_status s = arm_depthwise_conv_wrapper_s8(&ctx, &p, &q, &id, in_buf, &fd, w_buf, &bd, bias, &od, out_buf);
  uint32_t b = now();
  if (s != ARM_CMSIS_NN_SUCCESS) printf("dw failed\n");
  long valid = valid_taps(h, oh, kh, stride, p.padding.h) * valid_taps(w, ow, kw, p.stride.w, p.padding.w);
  printf("depthwise_conv_2d h=%d w=%d cin=%d cout=%d kh=%d kw=%d stride=%d macs=%ld outputs=%ld inputs=%ld insn=%.0f\n",
         h, w, ch, ch, kh, kw, stride, valid * ch, (long)oh * ow * ch, (long)h * w * ch, ticks(a, b) * insn_per_tick);
}

static void add(int n) {
  uint32_t a = now();
  arm_elementwise_add_s8(in_buf, in_buf + 20000, 3, 1518500250, -2, -4, 1318500250, -1, 20, out_buf, -1, 1418500250, -19, 0, 127, n);
  uint32_t b = now();
  REPORT("add", n, 0, 0, 1, 1, 0, n, 2 * n, ticks(a, b));
}

static void avgpool(int h, int ch) {
  cmsis_nn_pool_params p = {0};
  p.stride.h = h; p.stride.w = 1; p.activation.min = -128; p.activation.max = 127;
  cmsis_nn_dims id = {1, h, 1, ch}, fd = {1, h, 1, 1}, od = {1, 1, 1, ch};
  cmsis_nn_context ctx = {scratch, arm_avgpool_s8_get_buffer_size(1, ch)};
  uint32_t a = now();
  arm_avgpool_s8(&ctx, &p, &id, in_buf, &fd, &od, out_buf);
  uint32_t b = now();
  REPORT("average_pool_2d", h, ch, ch, h, h, 0, ch, h * ch, ticks(a, b));
}

static void fc(int in, int units) {
  cmsis_nn_fc_params p = {0};
  p.input_offset = 3; p.filter_offset = 0; p.output_offset = -2; p.activation.min = -128; p.activation.max = 127;
  cmsis_nn_per_tensor_quant_params q = {1518500250, -8};
  cmsis_nn_dims id = {1, 1, 1, in}, fd = {in, 1, 1, units}, bd = {1, 1, 1, units}, od = {1, 1, 1, units};
  cmsis_nn_context ctx = {scratch, arm_fully_connected_s8_get_buffer_size(&fd)};
  uint32_t a = now();
  arm_fully_connected_s8(&ctx, &p, &q, &id, in_buf, &fd, w_buf, &bd, bias, &od, out_buf);
  uint32_t b = now();
  REPORT("fully_connected", 1, in, units, 1, 1, (long)in * units, units, in, ticks(a, b));
}

static void mul(int n) {
  uint32_t a = now();
  arm_elementwise_mul_s8(in_buf, in_buf + 20000, 3, -4, out_buf, -1, 1418500250, -8, -128, 127, n);
  uint32_t b = now();
  REPORT("mul", n, 0, 0, 1, 1, 0, n, 2 * n, ticks(a, b));
}

static void maxpool(int h, int ch, int k) {
  cmsis_nn_pool_params p = {0};
  p.stride.h = k; p.stride.w = 1; p.activation.min = -128; p.activation.max = 127;
  cmsis_nn_dims id = {1, h, 1, ch}, fd = {1, k, 1, 1}, od = {1, h / k, 1, ch};
  cmsis_nn_context ctx = {scratch, 0};
  uint32_t a = now();
  arm_max_pool_s8(&ctx, &p, &id, in_buf, &fd, &od, out_buf);
  uint32_t b = now();
  REPORT("max_pool_2d", h, ch, ch, k, k, 0, (h / k) * ch, h * ch, ticks(a, b));
}

static void batch_matmul(int rows, int depth, int cols) {
  cmsis_nn_bmm_params p = {false, false, {3, 0, -2, {-128, 127}}};
  cmsis_nn_per_tensor_quant_params q = {1518500250, -8};
  cmsis_nn_dims ld = {1, 1, rows, depth}, rd = {1, 1, cols, depth}, od = {1, 1, rows, cols};
  cmsis_nn_context ctx = {scratch, 0};
  uint32_t a = now();
  arm_batch_matmul_s8(&ctx, &p, &q, &ld, in_buf, &rd, w_buf, &od, out_buf);
  uint32_t b = now();
  REPORT("batch_matmul", rows, depth, cols, 1, 1, (long)rows * depth * cols, rows * cols, rows * depth + cols * depth, ticks(a, b));
}

static void softmax(int n) {
  uint32_t a = now();
  arm_softmax_s8(in_buf, 1, n, 1518500250, 22, -248, out_buf);
  uint32_t b = now();
  REPORT("softmax", 1, n, n, 1, 1, 0, n, n, ticks(a, b));
}

int main(void) {
  fill();
  timer_start();
  calibrate();
  printf("calibration insn_per_tick=%.3f\n", insn_per_tick);
  { uint32_t a = now(); uint32_t b = now(); REPORT("empty", 0, 0, 0, 0, 0, 0, 0, 0, ticks(a, b)); }
  /* TENet12 layers (time x 1 x channels) and size variants */
  conv(118, 1, 108, 32, 3, 1, 1); conv(59, 1, 108, 32, 3, 1, 1); conv(30, 1, 108, 32, 3, 1, 1);
  conv(59, 1, 32, 32, 3, 1, 1); conv(59, 1, 64, 64, 5, 1, 1); conv(30, 1, 16, 48, 3, 1, 1);
  int hs[] = {118, 59, 30, 15};
  for (int i = 0; i < 4; i++) {
    conv(hs[i], 1, 32, 96, 1, 1, 1); conv(hs[i], 1, 96, 32, 1, 1, 1); conv(hs[i], 1, 32, 32, 1, 1, 2);
  }
  conv(59, 1, 64, 64, 1, 1, 1); conv(59, 1, 16, 128, 1, 1, 1); conv(59, 1, 128, 16, 1, 1, 1);
  conv(59, 1, 64, 16, 1, 1, 2); conv(30, 1, 96, 64, 1, 1, 2);
  for (int i = 0; i < 4; i++) { dwconv(hs[i], 1, 96, 9, 1, 1); dwconv(hs[i], 1, 96, 9, 1, 2); }
  dwconv(59, 1, 32, 3, 1, 1); dwconv(59, 1, 64, 5, 1, 1); dwconv(59, 1, 48, 7, 1, 1);
  /* 2-D layers as in DS-CNN / BC-ResNet on a 49 x 10 spectrogram */
  conv(49, 10, 1, 64, 10, 4, 2); conv(25, 5, 64, 64, 1, 1, 1); conv(25, 5, 32, 32, 3, 3, 1);
  conv(40, 20, 8, 16, 3, 3, 2);
  dwconv(25, 5, 64, 3, 3, 1); dwconv(40, 20, 16, 3, 3, 1); dwconv(40, 20, 16, 5, 5, 2);
  add(1888); add(960); add(480); add(3776);
  avgpool(15, 32); avgpool(59, 32); avgpool(30, 64);
  fc(32, 2); fc(64, 12); fc(256, 64);
  softmax(2); softmax(12); softmax(35);
  mul(480); mul(1888); mul(3776);
  maxpool(30, 32, 2); maxpool(118, 32, 2); maxpool(59, 64, 3);
  batch_matmul(16, 64, 16); batch_matmul(32, 64, 32); batch_matmul(50, 32, 50);
  return 0;
}
