// AVX2 + FMA kernels. Built with -mavx2 -mfma in its own translation unit; reached only through
// the dispatcher after CPUID says AVX2, FMA and OS-saved YMM state are present.
#include <immintrin.h>

#include "kernels.hpp"

namespace {
#include "kernels_generic.inc"

inline double hsum256(__m256d v) {
  __m128d lo = _mm256_castpd256_pd128(v);
  __m128d hi = _mm256_extractf128_pd(v, 1);
  lo = _mm_add_pd(lo, hi);
  __m128d sh = _mm_unpackhi_pd(lo, lo);
  return _mm_cvtsd_f64(_mm_add_sd(lo, sh));
}

double v_dot(const double* x, const double* y, int64_t n) {
  __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd();
  __m256d a2 = _mm256_setzero_pd(), a3 = _mm256_setzero_pd();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 = _mm256_fmadd_pd(_mm256_loadu_pd(x + i), _mm256_loadu_pd(y + i), a0);
    a1 = _mm256_fmadd_pd(_mm256_loadu_pd(x + i + 4), _mm256_loadu_pd(y + i + 4), a1);
    a2 = _mm256_fmadd_pd(_mm256_loadu_pd(x + i + 8), _mm256_loadu_pd(y + i + 8), a2);
    a3 = _mm256_fmadd_pd(_mm256_loadu_pd(x + i + 12), _mm256_loadu_pd(y + i + 12), a3);
  }
  double s = hsum256(_mm256_add_pd(_mm256_add_pd(a0, a1), _mm256_add_pd(a2, a3)));
  for (; i < n; ++i) s += x[i] * y[i];
  return s;
}

double v_nrm2sq(const double* x, int64_t n) { return v_dot(x, x, n); }

double v_sum(const double* x, int64_t n) {
  __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd();
  __m256d a2 = _mm256_setzero_pd(), a3 = _mm256_setzero_pd();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 = _mm256_add_pd(_mm256_loadu_pd(x + i), a0);
    a1 = _mm256_add_pd(_mm256_loadu_pd(x + i + 4), a1);
    a2 = _mm256_add_pd(_mm256_loadu_pd(x + i + 8), a2);
    a3 = _mm256_add_pd(_mm256_loadu_pd(x + i + 12), a3);
  }
  double s = hsum256(_mm256_add_pd(_mm256_add_pd(a0, a1), _mm256_add_pd(a2, a3)));
  for (; i < n; ++i) s += x[i];
  return s;
}

double v_cg_update(double a, const double* __restrict p, const double* __restrict q,
                   double* __restrict x, double* __restrict r, int64_t n) {
  const __m256d va = _mm256_set1_pd(a);
  __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_pd(x + i, _mm256_fmadd_pd(va, _mm256_loadu_pd(p + i), _mm256_loadu_pd(x + i)));
    _mm256_storeu_pd(x + i + 4,
                     _mm256_fmadd_pd(va, _mm256_loadu_pd(p + i + 4), _mm256_loadu_pd(x + i + 4)));
    __m256d r0 = _mm256_fnmadd_pd(va, _mm256_loadu_pd(q + i), _mm256_loadu_pd(r + i));
    __m256d r1 = _mm256_fnmadd_pd(va, _mm256_loadu_pd(q + i + 4), _mm256_loadu_pd(r + i + 4));
    _mm256_storeu_pd(r + i, r0);
    _mm256_storeu_pd(r + i + 4, r1);
    a0 = _mm256_fmadd_pd(r0, r0, a0);
    a1 = _mm256_fmadd_pd(r1, r1, a1);
  }
  double s = hsum256(_mm256_add_pd(a0, a1));
  for (; i < n; ++i) {
    x[i] += a * p[i];
    r[i] -= a * q[i];
    s += r[i] * r[i];
  }
  return s;
}

double v_axpy_nrm2sq(double a, const double* __restrict x, double* __restrict y, int64_t n) {
  const __m256d va = _mm256_set1_pd(a);
  __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256d y0 = _mm256_fmadd_pd(va, _mm256_loadu_pd(x + i), _mm256_loadu_pd(y + i));
    __m256d y1 = _mm256_fmadd_pd(va, _mm256_loadu_pd(x + i + 4), _mm256_loadu_pd(y + i + 4));
    _mm256_storeu_pd(y + i, y0);
    _mm256_storeu_pd(y + i + 4, y1);
    a0 = _mm256_fmadd_pd(y0, y0, a0);
    a1 = _mm256_fmadd_pd(y1, y1, a1);
  }
  double s = hsum256(_mm256_add_pd(a0, a1));
  for (; i < n; ++i) {
    y[i] += a * x[i];
    s += y[i] * y[i];
  }
  return s;
}

const itersolve::Kernels kTable = {
    itersolve::SimdLevel::Avx2, "avx2", g_spmv, g_spmv_dot, v_dot,
    v_nrm2sq, g_axpy, g_xpby, g_axpby, v_cg_update, v_axpy_nrm2sq, v_sum,
};
}  // namespace

namespace itersolve {
const Kernels* kernels_avx2() { return &kTable; }
}  // namespace itersolve
