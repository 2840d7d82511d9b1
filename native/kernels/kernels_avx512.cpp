// AVX-512 (F + VL + DQ) kernels. Built with -mavx512f -mavx512vl -mavx512dq -mfma in its own
// translation unit; reached only through the dispatcher after CPUID and XGETBV agree.
#include <immintrin.h>

#include "kernels.hpp"

namespace {
#include "kernels_generic.inc"

double v_dot(const double* x, const double* y, int64_t n) {
  __m512d a0 = _mm512_setzero_pd(), a1 = _mm512_setzero_pd();
  __m512d a2 = _mm512_setzero_pd(), a3 = _mm512_setzero_pd();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    a0 = _mm512_fmadd_pd(_mm512_loadu_pd(x + i), _mm512_loadu_pd(y + i), a0);
    a1 = _mm512_fmadd_pd(_mm512_loadu_pd(x + i + 8), _mm512_loadu_pd(y + i + 8), a1);
    a2 = _mm512_fmadd_pd(_mm512_loadu_pd(x + i + 16), _mm512_loadu_pd(y + i + 16), a2);
    a3 = _mm512_fmadd_pd(_mm512_loadu_pd(x + i + 24), _mm512_loadu_pd(y + i + 24), a3);
  }
  for (; i + 8 <= n; i += 8)
    a0 = _mm512_fmadd_pd(_mm512_loadu_pd(x + i), _mm512_loadu_pd(y + i), a0);
  if (i < n) {
    const __mmask8 m = static_cast<__mmask8>((1u << (n - i)) - 1u);
    a1 = _mm512_fmadd_pd(_mm512_maskz_loadu_pd(m, x + i), _mm512_maskz_loadu_pd(m, y + i), a1);
  }
  return _mm512_reduce_add_pd(_mm512_add_pd(_mm512_add_pd(a0, a1), _mm512_add_pd(a2, a3)));
}

double v_nrm2sq(const double* x, int64_t n) { return v_dot(x, x, n); }

double v_sum(const double* x, int64_t n) {
  __m512d a0 = _mm512_setzero_pd(), a1 = _mm512_setzero_pd();
  __m512d a2 = _mm512_setzero_pd(), a3 = _mm512_setzero_pd();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    a0 = _mm512_add_pd(_mm512_loadu_pd(x + i), a0);
    a1 = _mm512_add_pd(_mm512_loadu_pd(x + i + 8), a1);
    a2 = _mm512_add_pd(_mm512_loadu_pd(x + i + 16), a2);
    a3 = _mm512_add_pd(_mm512_loadu_pd(x + i + 24), a3);
  }
  for (; i + 8 <= n; i += 8) a0 = _mm512_add_pd(_mm512_loadu_pd(x + i), a0);
  if (i < n) {
    const __mmask8 m = static_cast<__mmask8>((1u << (n - i)) - 1u);
    a1 = _mm512_add_pd(_mm512_maskz_loadu_pd(m, x + i), a1);
  }
  return _mm512_reduce_add_pd(_mm512_add_pd(_mm512_add_pd(a0, a1), _mm512_add_pd(a2, a3)));
}

double v_cg_update(double a, const double* __restrict p, const double* __restrict q,
                   double* __restrict x, double* __restrict r, int64_t n) {
  const __m512d va = _mm512_set1_pd(a);
  __m512d a0 = _mm512_setzero_pd(), a1 = _mm512_setzero_pd();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm512_storeu_pd(x + i, _mm512_fmadd_pd(va, _mm512_loadu_pd(p + i), _mm512_loadu_pd(x + i)));
    _mm512_storeu_pd(x + i + 8,
                     _mm512_fmadd_pd(va, _mm512_loadu_pd(p + i + 8), _mm512_loadu_pd(x + i + 8)));
    __m512d r0 = _mm512_fnmadd_pd(va, _mm512_loadu_pd(q + i), _mm512_loadu_pd(r + i));
    __m512d r1 = _mm512_fnmadd_pd(va, _mm512_loadu_pd(q + i + 8), _mm512_loadu_pd(r + i + 8));
    _mm512_storeu_pd(r + i, r0);
    _mm512_storeu_pd(r + i + 8, r1);
    a0 = _mm512_fmadd_pd(r0, r0, a0);
    a1 = _mm512_fmadd_pd(r1, r1, a1);
  }
  for (; i < n; i += 8) {
    const int64_t left = n - i;
    const __mmask8 m = left >= 8 ? static_cast<__mmask8>(0xFF)
                                 : static_cast<__mmask8>((1u << left) - 1u);
    __m512d xv = _mm512_fmadd_pd(va, _mm512_maskz_loadu_pd(m, p + i), _mm512_maskz_loadu_pd(m, x + i));
    _mm512_mask_storeu_pd(x + i, m, xv);
    __m512d rv = _mm512_fnmadd_pd(va, _mm512_maskz_loadu_pd(m, q + i), _mm512_maskz_loadu_pd(m, r + i));
    _mm512_mask_storeu_pd(r + i, m, rv);
    a0 = _mm512_fmadd_pd(rv, rv, a0);
  }
  return _mm512_reduce_add_pd(_mm512_add_pd(a0, a1));
}

double v_axpy_nrm2sq(double a, const double* __restrict x, double* __restrict y, int64_t n) {
  const __m512d va = _mm512_set1_pd(a);
  __m512d a0 = _mm512_setzero_pd(), a1 = _mm512_setzero_pd();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512d y0 = _mm512_fmadd_pd(va, _mm512_loadu_pd(x + i), _mm512_loadu_pd(y + i));
    __m512d y1 = _mm512_fmadd_pd(va, _mm512_loadu_pd(x + i + 8), _mm512_loadu_pd(y + i + 8));
    _mm512_storeu_pd(y + i, y0);
    _mm512_storeu_pd(y + i + 8, y1);
    a0 = _mm512_fmadd_pd(y0, y0, a0);
    a1 = _mm512_fmadd_pd(y1, y1, a1);
  }
  for (; i < n; i += 8) {
    const int64_t left = n - i;
    const __mmask8 m = left >= 8 ? static_cast<__mmask8>(0xFF)
                                 : static_cast<__mmask8>((1u << left) - 1u);
    __m512d yv = _mm512_fmadd_pd(va, _mm512_maskz_loadu_pd(m, x + i), _mm512_maskz_loadu_pd(m, y + i));
    _mm512_mask_storeu_pd(y + i, m, yv);
    a0 = _mm512_fmadd_pd(yv, yv, a0);
  }
  return _mm512_reduce_add_pd(_mm512_add_pd(a0, a1));
}

const itersolve::Kernels kTable = {
    itersolve::SimdLevel::Avx512, "avx512", g_spmv, g_spmv_dot, v_dot,
    v_nrm2sq, g_axpy, g_xpby, g_axpby, v_cg_update, v_axpy_nrm2sq, v_sum,
};
}  // namespace

namespace itersolve {
const Kernels* kernels_avx512() { return &kTable; }
}  // namespace itersolve
