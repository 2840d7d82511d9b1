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
// (the optimal-transport kernels: exp rows, max_diff, cost rows)
typedef long long v8di __attribute__((vector_size(64)));
static inline __m512d sub(__m512d a, __m512d b) {
  __m512d r;
  for (int i = 0; i < 8; ++i) r[i] = a[i] - b[i];
  return r;
}
static inline __m512d mul(__m512d a, __m512d b) {
  __m512d r;
  for (int i = 0; i < 8; ++i) r[i] = a[i] * b[i];
  return r;
}
static inline __m512d maskz_mul(__mmask8 k, __m512d a, __m512d b) {
  __m512d r;
  for (int i = 0; i < 8; ++i) r[i] = (k >> i) & 1 ? a[i] * b[i] : 0.0;
  return r;
}
static inline __m512d maskz_mov(__mmask8 k, __m512d a) {
  __m512d r;
  for (int i = 0; i < 8; ++i) r[i] = (k >> i) & 1 ? a[i] : 0.0;
  return r;
}
// MAXPD/MINPD: the second operand when either is NaN (or both are zeros).
static inline __m512d max(__m512d a, __m512d b) {
  __m512d r;
  for (int i = 0; i < 8; ++i) r[i] = a[i] > b[i] ? a[i] : b[i];
  return r;
}
static inline __m512d min(__m512d a, __m512d b) {
  __m512d r;
  for (int i = 0; i < 8; ++i) r[i] = a[i] < b[i] ? a[i] : b[i];
  return r;
}
static inline __m512d mask_max(__m512d src, __mmask8 k, __m512d a, __m512d b) {
  __m512d r = max(a, b);
  for (int i = 0; i < 8; ++i)
    if (!((k >> i) & 1)) r[i] = src[i];
  return r;
}
static inline double reduce_max(__m512d a) {
  double t3[4], t6[2];
  for (int i = 0; i < 4; ++i) t3[i] = a[i + 4] > a[i] ? a[i + 4] : a[i];
  for (int i = 0; i < 2; ++i) t6[i] = t3[i + 2] > t3[i] ? t3[i + 2] : t3[i];
  return t6[0] > t6[1] ? t6[0] : t6[1];
}
static inline __m512d sqrt(__m512d a) {
  __m512d r;
  for (int i = 0; i < 8; ++i) r[i] = __builtin_sqrt(a[i]);
  return r;
}
static inline __m512d andnot(__m512d a, __m512d b) {
  v8di x, y;
  __builtin_memcpy(&x, &a, 64);
  __builtin_memcpy(&y, &b, 64);
  x = ~x & y;
  __m512d r;
  __builtin_memcpy(&r, &x, 64);
  return r;
}
// Only the predicate kernels_avx512.cpp uses: _CMP_NLT_UQ (not less than, true for NaN).
static inline __mmask8 cmp_mask(__m512d a, __m512d b, int pred) {
  __mmask8 k = 0;
  for (int i = 0; i < 8; ++i) {
    if (pred != _CMP_NLT_UQ) __builtin_trap();
    if (!(a[i] < b[i])) k = static_cast<__mmask8>(k | (1u << i));
  }
  return k;
}
static inline __m512i castpd_si512(__m512d a) {
  __m512i r;
  __builtin_memcpy(&r, &a, 64);
  return r;
}
static inline __m512d castsi512_pd(__m512i a) {
  __m512d r;
  __builtin_memcpy(&r, &a, 64);
  return r;
}
static inline __m512i set1_epi64(long long a) {
  v8di x = {a, a, a, a, a, a, a, a};
  __m512i r;
  __builtin_memcpy(&r, &x, 64);
  return r;
}
static inline __m512i add_epi64(__m512i a, __m512i b) {
  v8di x, y;
  __builtin_memcpy(&x, &a, 64);
  __builtin_memcpy(&y, &b, 64);
  x = x + y;
  __m512i r;
  __builtin_memcpy(&r, &x, 64);
  return r;
}
static inline __m512i slli_epi64(__m512i a, unsigned int c) {
  v8di x;
  __builtin_memcpy(&x, &a, 64);
  for (int i = 0; i < 8; ++i)
    x[i] = c > 63 ? 0 : static_cast<long long>(static_cast<unsigned long long>(x[i]) << c);
  __m512i r;
  __builtin_memcpy(&r, &x, 64);
  return r;
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
#undef _mm512_sub_pd
#undef _mm512_mul_pd
#undef _mm512_maskz_mul_pd
#undef _mm512_maskz_mov_pd
#undef _mm512_max_pd
#undef _mm512_min_pd
#undef _mm512_mask_max_pd
#undef _mm512_reduce_max_pd
#undef _mm512_sqrt_pd
#undef _mm512_andnot_pd
#undef _mm512_cmp_pd_mask
#undef _mm512_castpd_si512
#undef _mm512_castsi512_pd
#undef _mm512_set1_epi64
#undef _mm512_add_epi64
#undef _mm512_slli_epi64
#define _mm512_sub_pd itersolve_emu::sub
#define _mm512_mul_pd itersolve_emu::mul
#define _mm512_maskz_mul_pd itersolve_emu::maskz_mul
#define _mm512_maskz_mov_pd itersolve_emu::maskz_mov
#define _mm512_max_pd itersolve_emu::max
#define _mm512_min_pd itersolve_emu::min
#define _mm512_mask_max_pd itersolve_emu::mask_max
#define _mm512_reduce_max_pd itersolve_emu::reduce_max
#define _mm512_sqrt_pd itersolve_emu::sqrt
#define _mm512_andnot_pd itersolve_emu::andnot
#define _mm512_cmp_pd_mask itersolve_emu::cmp_mask
#define _mm512_castpd_si512 itersolve_emu::castpd_si512
#define _mm512_castsi512_pd itersolve_emu::castsi512_pd
#define _mm512_set1_epi64 itersolve_emu::set1_epi64
#define _mm512_add_epi64 itersolve_emu::add_epi64
#define _mm512_slli_epi64 itersolve_emu::slli_epi64
