// Test-only stand-in for <immintrin.h> used by `bench/native/build.sh emu`: includes the real
// header (built with -mavx2 -mfma) and replaces the AVX-512 intrinsics that
// native/kernels/kernels_avx512.cpp uses with scalar emulations, so the AVX-512 table's logic can
// be checked on a CPU without AVX-512 (correctness only: timings mean nothing).
//
// Masked loads/stores/gathers touch only the enabled lanes, like the hardware's fault
// suppression, so a wrong mask that would read past an array's end faults on the harness's guard
// pages here too. Lane orders follow Intel's pseudo-code; _mm512_reduce_add_pd follows GCC's
// summation order.
#pragma once
#include_next <immintrin.h>

#if defined(__AVX512F__)
#error "emu/immintrin.h is for builds without -mavx512f"
#endif

namespace itersolve_emu {
typedef int v8si __attribute__((vector_size(32)));

static inline __m512d setzero() { return __m512d{0, 0, 0, 0, 0, 0, 0, 0}; }
static inline __m512d set1(double a) { return __m512d{a, a, a, a, a, a, a, a}; }
static inline __m512d loadu(const void* p) {
  __m512d r;
  __builtin_memcpy(&r, p, sizeof r);
  return r;
}
static inline void storeu(void* p, __m512d a) { __builtin_memcpy(p, &a, sizeof a); }
static inline __m512d maskz_loadu(__mmask8 k, const void* p) {
  __m512d r = setzero();
  const double* d = static_cast<const double*>(p);
  for (int i = 0; i < 8; ++i)
    if ((k >> i) & 1) r[i] = d[i];
  return r;
}
static inline void mask_storeu(void* p, __mmask8 k, __m512d a) {
  double* d = static_cast<double*>(p);
  for (int i = 0; i < 8; ++i)
    if ((k >> i) & 1) d[i] = a[i];
}
static inline __m256i maskz_loadu_epi32(__mmask8 k, const void* p) {
  v8si r = {0, 0, 0, 0, 0, 0, 0, 0};
  const int* d = static_cast<const int*>(p);
  for (int i = 0; i < 8; ++i)
    if ((k >> i) & 1) r[i] = d[i];
  __m256i out;
  __builtin_memcpy(&out, &r, sizeof out);
  return out;
}
static inline __m512d mask_i32gather(__m512d src, __mmask8 k, __m256i vindex, const void* base,
                                     int scale) {
  v8si idx;
  __builtin_memcpy(&idx, &vindex, sizeof idx);
  __m512d r = src;
  for (int i = 0; i < 8; ++i)
    if ((k >> i) & 1) {
      double t;
      __builtin_memcpy(&t, static_cast<const char*>(base) + static_cast<long long>(idx[i]) * scale,
                       sizeof t);
      r[i] = t;
    }
  return r;
}
static inline __m512d i32gather(__m256i vindex, const void* base, int scale) {
  return mask_i32gather(setzero(), 0xFF, vindex, base, scale);
}
static inline __m512d add(__m512d a, __m512d b) {
  __m512d r;
  for (int i = 0; i < 8; ++i) r[i] = a[i] + b[i];
  return r;
}
static inline __m512d fmadd(__m512d a, __m512d b, __m512d c) {
  __m512d r;
  for (int i = 0; i < 8; ++i) r[i] = __builtin_fma(a[i], b[i], c[i]);
  return r;
}
static inline __m512d fnmadd(__m512d a, __m512d b, __m512d c) {
  __m512d r;
  for (int i = 0; i < 8; ++i) r[i] = __builtin_fma(-a[i], b[i], c[i]);
  return r;
}
static inline __m512d unpacklo(__m512d a, __m512d b) {
  __m512d r;
  for (int j = 0; j < 4; ++j) {
    r[2 * j] = a[2 * j];
    r[2 * j + 1] = b[2 * j];
  }
  return r;
}
static inline __m512d unpackhi(__m512d a, __m512d b) {
  __m512d r;
  for (int j = 0; j < 4; ++j) {
    r[2 * j] = a[2 * j + 1];
    r[2 * j + 1] = b[2 * j + 1];
  }
  return r;
}
static inline __m512d shuffle_f64x2(__m512d a, __m512d b, int imm) {
  __m512d r;
  const int sel[4] = {imm & 3, (imm >> 2) & 3, (imm >> 4) & 3, (imm >> 6) & 3};
  for (int j = 0; j < 4; ++j) {
    const __m512d& s = j < 2 ? a : b;
    r[2 * j] = s[2 * sel[j]];
    r[2 * j + 1] = s[2 * sel[j] + 1];
  }
  return r;
}
static inline double reduce_add(__m512d a) {
  // GCC: (hi256 + lo256), then (hi128 + lo128), then lane0 + lane1.
  double t3[4], t6[2];
  for (int i = 0; i < 4; ++i) t3[i] = a[i + 4] + a[i];
  for (int i = 0; i < 2; ++i) t6[i] = t3[i + 2] + t3[i];
  return t6[0] + t6[1];
}
}  // namespace itersolve_emu

#undef _mm512_setzero_pd
#undef _mm512_set1_pd
#undef _mm512_loadu_pd
#undef _mm512_storeu_pd
#undef _mm512_maskz_loadu_pd
#undef _mm512_mask_storeu_pd
#undef _mm256_maskz_loadu_epi32
#undef _mm512_i32gather_pd
#undef _mm512_mask_i32gather_pd
#undef _mm512_add_pd
#undef _mm512_fmadd_pd
#undef _mm512_fnmadd_pd
#undef _mm512_unpacklo_pd
#undef _mm512_unpackhi_pd
#undef _mm512_shuffle_f64x2
#undef _mm512_reduce_add_pd
#define _mm512_setzero_pd itersolve_emu::setzero
#define _mm512_set1_pd itersolve_emu::set1
#define _mm512_loadu_pd itersolve_emu::loadu
#define _mm512_storeu_pd itersolve_emu::storeu
#define _mm512_maskz_loadu_pd itersolve_emu::maskz_loadu
#define _mm512_mask_storeu_pd itersolve_emu::mask_storeu
#define _mm256_maskz_loadu_epi32 itersolve_emu::maskz_loadu_epi32
#define _mm512_i32gather_pd itersolve_emu::i32gather
#define _mm512_mask_i32gather_pd itersolve_emu::mask_i32gather
#define _mm512_add_pd itersolve_emu::add
#define _mm512_fmadd_pd itersolve_emu::fmadd
#define _mm512_fnmadd_pd itersolve_emu::fnmadd
#define _mm512_unpacklo_pd itersolve_emu::unpacklo
#define _mm512_unpackhi_pd itersolve_emu::unpackhi
#define _mm512_shuffle_f64x2 itersolve_emu::shuffle_f64x2
#define _mm512_reduce_add_pd itersolve_emu::reduce_add
