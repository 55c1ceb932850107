/* Shared helpers of the kwstiny audio frontend: bit counting, saturation and the
 * arena that carves every buffer out of one caller-provided block of memory.
 *
 * The frontend never allocates: the caller asks kws_frontend_state_size() how much
 * memory a configuration needs and hands that block to kws_frontend_init(). */
#ifndef KWS_COMMON_H_
#define KWS_COMMON_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Position of the highest set bit, counting from 1; 0 for 0 (as in TFLM's bits.h). */
static inline int kws_msb32(uint32_t x) {
#if defined(__GNUC__) || defined(__clang__)
  return x ? 32 - __builtin_clz(x) : 0;
#else
  int n = 0;
  while (x) { ++n; x >>= 1; }
  return n;
#endif
}

static inline int kws_msb64(uint64_t x) {
  uint32_t high = (uint32_t)(x >> 32);
  return high ? 32 + kws_msb32(high) : kws_msb32((uint32_t)x);
}

/* Two's-complement narrowing. The fixed-point FFT and filters wrap on overflow
 * exactly like the reference C (which stores int sums into int16_t); spelling the
 * wrap out keeps it defined behaviour on every compiler. */
static inline int16_t kws_wrap16(int32_t x) {
  int32_t low = (int32_t)((uint32_t)x & 0xFFFFu);
  return (int16_t)(low >= 0x8000 ? low - 0x10000 : low);
}

/* Round an intermediate result to its type before anything is added to it.
 * Init-time tables must round after every multiply like the reference does; a
 * fused multiply-add (GNU C modes contract by default, and Cortex-M33 has VFMA)
 * would move a few table entries by one. Passing a product through a volatile
 * forbids the fusion on any compiler. Never used per frame. */
static inline float kws_rounded(float x) {
  volatile float v = x;
  return v;
}

static inline double kws_rounded_d(double x) {
  volatile double v = x;
  return v;
}

/* Bump allocator over one block. With base == NULL it only counts, which is how
 * kws_frontend_state_size() measures a configuration without touching memory. */
typedef struct kws_arena {
  uint8_t *base;
  size_t used;
  size_t capacity;
} kws_arena;

#define KWS_ARENA_ALIGN 8u

static inline void *kws_arena_take(kws_arena *arena, size_t bytes) {
  size_t start = (arena->used + (KWS_ARENA_ALIGN - 1u)) & ~(size_t)(KWS_ARENA_ALIGN - 1u);
  arena->used = start + bytes;
  if (arena->base == NULL || arena->used > arena->capacity) {
    return NULL;
  }
  return arena->base + start;
}

#ifdef __cplusplus
}
#endif

#endif /* KWS_COMMON_H_ */
