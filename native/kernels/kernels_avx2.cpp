// AVX2 + FMA kernels. Built with -mavx2 -mfma in its own translation unit; reached only through
// the dispatcher after CPUID says AVX2, FMA and OS-saved YMM state are present.
#include <immintrin.h>

#include "kernels.hpp"

namespace {
#include "kernels_generic.inc"

// spmv / spmv_dot: the row kernel of kernels_generic.inc (g_spmv / g_spmv_dot), compiled here with
// this TU's flags (FMA contraction). It beat every gather-based form measured (see the bench-only
// variant below and the notes in kernels_generic.inc): SpMV is bound by the values/colIdx
// streams, and what moves it is prefetching and keeping the per-row work small, not SIMD width.

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

// ---------------------------------------------------------------------------------------------
// Optimal transport: exp rows, max_diff, cost rows (the formulas of kernels_generic.inc's g_exp
// and g_cost_row, four lanes at a time with FMA). Tails go through the same vector code on a
// padded copy, so out[j] never depends on where j falls in the row.
static_assert(kExpDeg == 11, "v_exp4 evaluates the degree-11 polynomial by Estrin");
inline __m256d v_exp4(__m256d x) {
  const __m256d lo = _mm256_set1_pd(kExpLo);
  const __m256d under = _mm256_cmp_pd(x, lo, _CMP_LT_OQ);  // false for NaN
  // max/min return their second operand when either is NaN: NaN goes through.
  const __m256d xc = _mm256_min_pd(_mm256_set1_pd(kExpHi), _mm256_max_pd(lo, x));
  const __m256d magic = _mm256_set1_pd(kExpMagic);
  const __m256d t = _mm256_fmadd_pd(xc, _mm256_set1_pd(kExpLog2e), magic);
  const __m256d kd = _mm256_sub_pd(t, magic);
  __m256d r = _mm256_fnmadd_pd(kd, _mm256_set1_pd(kExpLn2Hi), xc);
  r = _mm256_fnmadd_pd(kd, _mm256_set1_pd(kExpLn2Lo), r);
  // Estrin's scheme (depth 5 instead of Horner's 11: the exp is latency-bound otherwise, the
  // out-of-order window holding too few independent rows of it).
  const __m256d r2 = _mm256_mul_pd(r, r);
  const __m256d r4 = _mm256_mul_pd(r2, r2);
  const __m256d r8 = _mm256_mul_pd(r4, r4);
#define ITERSOLVE_EXP_PAIR(k) \
  _mm256_fmadd_pd(_mm256_set1_pd(kExpC[10 - (k)]), r, _mm256_set1_pd(kExpC[11 - (k)]))
  const __m256d p01 = ITERSOLVE_EXP_PAIR(0), p23 = ITERSOLVE_EXP_PAIR(2);
  const __m256d p45 = ITERSOLVE_EXP_PAIR(4), p67 = ITERSOLVE_EXP_PAIR(6);
  const __m256d p89 = ITERSOLVE_EXP_PAIR(8), pab = ITERSOLVE_EXP_PAIR(10);
#undef ITERSOLVE_EXP_PAIR
  const __m256d q0 = _mm256_fmadd_pd(p23, r2, p01), q1 = _mm256_fmadd_pd(p67, r2, p45);
  const __m256d q2 = _mm256_fmadd_pd(pab, r2, p89);
  const __m256d p = _mm256_fmadd_pd(q2, r8, _mm256_fmadd_pd(q1, r4, q0));
  const __m256i bits =
      _mm256_slli_epi64(_mm256_add_epi64(_mm256_castpd_si256(t), _mm256_set1_epi64x(1022)), 52);
  return _mm256_andnot_pd(under, _mm256_mul_pd(p, _mm256_castsi256_pd(bits)));
}

template <bool kHasG>
double v_exp_row_t(const double* __restrict g, const double* __restrict c, double s, double inv_eps,
                   double* __restrict out, int64_t m) {
  const __m256d vs = _mm256_set1_pd(s), vi = _mm256_set1_pd(inv_eps);
  __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd();
  int64_t j = 0;
  for (; j + 8 <= m; j += 8) {
    __m256d x0 = kHasG ? _mm256_add_pd(vs, _mm256_loadu_pd(g + j)) : vs;
    __m256d x1 = kHasG ? _mm256_add_pd(vs, _mm256_loadu_pd(g + j + 4)) : vs;
    x0 = _mm256_mul_pd(_mm256_sub_pd(x0, _mm256_loadu_pd(c + j)), vi);
    x1 = _mm256_mul_pd(_mm256_sub_pd(x1, _mm256_loadu_pd(c + j + 4)), vi);
    const __m256d e0 = v_exp4(x0), e1 = v_exp4(x1);
    _mm256_storeu_pd(out + j, e0);
    _mm256_storeu_pd(out + j + 4, e1);
    a0 = _mm256_add_pd(a0, e0);
    a1 = _mm256_add_pd(a1, e1);
  }
  for (; j < m; j += 4) {
    const int64_t len = m - j < 4 ? m - j : 4;
    alignas(32) double gb[4] = {0, 0, 0, 0}, cb[4] = {0, 0, 0, 0}, ob[4];
    for (int64_t q = 0; q < len; ++q) {
      if (kHasG) gb[q] = g[j + q];
      cb[q] = c[j + q];
    }
    __m256d x = kHasG ? _mm256_add_pd(vs, _mm256_load_pd(gb)) : vs;
    x = _mm256_mul_pd(_mm256_sub_pd(x, _mm256_load_pd(cb)), vi);
    const __m256d e = v_exp4(x);
    _mm256_store_pd(ob, e);
    for (int64_t q = len; q < 4; ++q) ob[q] = 0.0;
    for (int64_t q = 0; q < len; ++q) out[j + q] = ob[q];
    a1 = _mm256_add_pd(a1, _mm256_load_pd(ob));
  }
  return hsum256(_mm256_add_pd(a0, a1));
}

double v_exp_row(const double* g, const double* c, double s, double inv_eps, double* out,
                 int64_t m) {
  return g != nullptr ? v_exp_row_t<true>(g, c, s, inv_eps, out, m)
                      : v_exp_row_t<false>(g, c, s, inv_eps, out, m);
}

double v_max_diff(const double* g, const double* c, int64_t m) {
  const __m256d ninf =
      _mm256_castsi256_pd(_mm256_set1_epi64x(static_cast<int64_t>(0xFFF0000000000000u)));
  __m256d a0 = ninf, a1 = ninf;
  int64_t j = 0;
  for (; j + 8 <= m; j += 8) {
    const __m256d g0 = g != nullptr ? _mm256_loadu_pd(g + j) : _mm256_setzero_pd();
    const __m256d g1 = g != nullptr ? _mm256_loadu_pd(g + j + 4) : _mm256_setzero_pd();
    a0 = _mm256_max_pd(a0, _mm256_sub_pd(g0, _mm256_loadu_pd(c + j)));
    a1 = _mm256_max_pd(a1, _mm256_sub_pd(g1, _mm256_loadu_pd(c + j + 4)));
  }
  alignas(32) double b[4];
  _mm256_store_pd(b, _mm256_max_pd(a0, a1));
  double mx = b[0];
  for (int q = 1; q < 4; ++q) mx = b[q] > mx ? b[q] : mx;
  for (; j < m; ++j) {
    const double v = (g != nullptr ? g[j] : 0.0) - c[j];
    if (v > mx) mx = v;
  }
  return mx;
}

// GEMM micro-kernel (Kernels::gemm_micro_4x8): eight ymm accumulators, a broadcast per row of
// the A sliver, two loads per depth step of the B sliver; each entry sums p = 0..kc−1 in order
// with FMA, as the generic body compiled here does (same bits).
void v_gemm_micro_4x8(int64_t kc, const double* __restrict a, const double* __restrict b,
                      double* __restrict acc) {
  __m256d c00 = _mm256_setzero_pd(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
          c30 = c00, c31 = c00;
  for (int64_t p = 0; p < kc; ++p) {
    const __m256d b0 = _mm256_loadu_pd(b + p * 8), b1 = _mm256_loadu_pd(b + p * 8 + 4);
    __m256d x = _mm256_broadcast_sd(a + p * 4);
    c00 = _mm256_fmadd_pd(x, b0, c00);
    c01 = _mm256_fmadd_pd(x, b1, c01);
    x = _mm256_broadcast_sd(a + p * 4 + 1);
    c10 = _mm256_fmadd_pd(x, b0, c10);
    c11 = _mm256_fmadd_pd(x, b1, c11);
    x = _mm256_broadcast_sd(a + p * 4 + 2);
    c20 = _mm256_fmadd_pd(x, b0, c20);
    c21 = _mm256_fmadd_pd(x, b1, c21);
    x = _mm256_broadcast_sd(a + p * 4 + 3);
    c30 = _mm256_fmadd_pd(x, b0, c30);
    c31 = _mm256_fmadd_pd(x, b1, c31);
  }
  _mm256_storeu_pd(acc, c00);
  _mm256_storeu_pd(acc + 4, c01);
  _mm256_storeu_pd(acc + 8, c10);
  _mm256_storeu_pd(acc + 12, c11);
  _mm256_storeu_pd(acc + 16, c20);
  _mm256_storeu_pd(acc + 20, c21);
  _mm256_storeu_pd(acc + 24, c30);
  _mm256_storeu_pd(acc + 28, c31);
}

void v_cost_row(const double* __restrict x, const double* __restrict Yt, int64_t m, int64_t d,
                int metric, double* __restrict out) {
  const __m256d sign = _mm256_set1_pd(-0.0);
  int64_t j = 0;
  for (; j + 8 <= m; j += 8) {
    __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd();
    for (int64_t k = 0; k < d; ++k) {
      const __m256d xk = _mm256_set1_pd(x[k]);
      const __m256d t0 = _mm256_sub_pd(xk, _mm256_loadu_pd(Yt + k * m + j));
      const __m256d t1 = _mm256_sub_pd(xk, _mm256_loadu_pd(Yt + k * m + j + 4));
      if (metric == 2) {
        a0 = _mm256_add_pd(a0, _mm256_andnot_pd(sign, t0));
        a1 = _mm256_add_pd(a1, _mm256_andnot_pd(sign, t1));
      } else {
        a0 = _mm256_fmadd_pd(t0, t0, a0);
        a1 = _mm256_fmadd_pd(t1, t1, a1);
      }
    }
    if (metric == 1) {
      a0 = _mm256_sqrt_pd(a0);
      a1 = _mm256_sqrt_pd(a1);
    }
    _mm256_storeu_pd(out + j, a0);
    _mm256_storeu_pd(out + j + 4, a1);
  }
  for (; j < m; ++j) {
    double a = 0.0;
    for (int64_t k = 0; k < d; ++k) {
      const double t = x[k] - Yt[k * m + j];
      a = metric == 2 ? a + (t < 0 ? -t : t)
                      : _mm_cvtsd_f64(_mm_fmadd_sd(_mm_set_sd(t), _mm_set_sd(t), _mm_set_sd(a)));
    }
    out[j] = metric == 1 ? _mm_cvtsd_f64(_mm_sqrt_pd(_mm_set_sd(a))) : a;
  }
}

#if defined(ITERSOLVE_BENCH_VARIANTS)
// ---------------------------------------------------------------------------------------------
// Bench-only alternative SpMV (compiled by bench/native/build.sh, never by the library build):
// four rows at a time, each row one ymm of products from masked loads of values / colIdx and a
// masked vgatherdpd of x, the four row vectors reduced together (2 hadd + 2 lane permutes + 1
// add), one store of y per 4 rows. Measured on Zen 3: about half the speed of the scalar-load row
// kernel g_spmv (vgatherdpd is slow there, and slower still on Intel parts with the GDS
// microcode), hence not in the table; kept so the comparison can be re-run.
inline __m256d b_row(const double* v, const int32_t* ci, const double* x, int64_t k,
                     const int64_t e) {
  __m256d a = _mm256_setzero_pd();
  for (; k + 4 <= e; k += 4) {
    const __m128i idx = _mm_loadu_si128(reinterpret_cast<const __m128i*>(ci + k));
    a = _mm256_fmadd_pd(_mm256_loadu_pd(v + k), _mm256_i32gather_pd(x, idx, 8), a);
  }
  if (k < e) {
    const int len = static_cast<int>(e - k);
    const __m256i m64 = _mm256_cmpgt_epi64(_mm256_set1_epi64x(len), _mm256_setr_epi64x(0, 1, 2, 3));
    const __m128i m32 = _mm_cmpgt_epi32(_mm_set1_epi32(len), _mm_setr_epi32(0, 1, 2, 3));
    const __m128i idx = _mm_maskload_epi32(ci + k, m32);
    const __m256d xv =
        _mm256_mask_i32gather_pd(_mm256_setzero_pd(), x, idx, _mm256_castsi256_pd(m64), 8);
    a = _mm256_fmadd_pd(_mm256_maskload_pd(v + k, m64), xv, a);
  }
  return a;
}

inline __m256d b_reduce4(__m256d a0, __m256d a1, __m256d a2, __m256d a3) {
  const __m256d t0 = _mm256_hadd_pd(a0, a1), t1 = _mm256_hadd_pd(a2, a3);
  return _mm256_add_pd(_mm256_permute2f128_pd(t0, t1, 0x20), _mm256_permute2f128_pd(t0, t1, 0x31));
}

template <bool kDot>
double b_spmv4(const itersolve::CsrView& A, const double* x, double* y, const double* w, int64_t r0,
               int64_t r1) {
  if (r1 <= r0) return 0.0;
  const int32_t* rp = A.rowPtr;
  const int32_t* ci = A.colIdx;
  const double* v = A.values;
  __m256d d = _mm256_setzero_pd();
  int64_t k = rp[r0];
  int64_t r = r0;
  for (; r + 4 <= r1; r += 4) {
    const int64_t e0 = rp[r + 1], e1 = rp[r + 2], e2 = rp[r + 3], e3 = rp[r + 4];
    const __m256d s = b_reduce4(b_row(v, ci, x, k, e0), b_row(v, ci, x, e0, e1),
                                b_row(v, ci, x, e1, e2), b_row(v, ci, x, e2, e3));
    _mm256_storeu_pd(y + r, s);
    if (kDot) d = _mm256_fmadd_pd(_mm256_loadu_pd(w + r), s, d);
    k = e3;
  }
  double dt = 0.0;
  for (; r < r1; ++r) {
    const int64_t e = rp[r + 1];
    const double s = hsum256(b_row(v, ci, x, k, e));
    y[r] = s;
    if (kDot) dt += w[r] * s;
    k = e;
  }
  return kDot ? hsum256(d) + dt : 0.0;
}

void b_spmv(const itersolve::CsrView& A, const double* x, double* y, int64_t r0, int64_t r1) {
  b_spmv4<false>(A, x, y, nullptr, r0, r1);
}
double b_spmv_dot(const itersolve::CsrView& A, const double* x, double* y, const double* w,
                  int64_t r0, int64_t r1) {
  return b_spmv4<true>(A, x, y, w, r0, r1);
}

#endif  // ITERSOLVE_BENCH_VARIANTS

// Filled field by field, by name (C++17 has no designated initialisers): a positional list
// cannot tell nrm2sq from sum, which share a signature.
constexpr itersolve::Kernels make_table() {
  itersolve::Kernels t{};
  t.level = itersolve::SimdLevel::Avx2;
  t.name = "avx2";
  t.spmv = g_spmv;
  t.spmv_dot = g_spmv_dot;
  t.dot = v_dot;
  t.nrm2sq = v_nrm2sq;
  t.axpy = g_axpy;
  t.xpby = g_xpby;
  t.axpby = g_axpby;
  t.cg_update = v_cg_update;
  t.axpy_nrm2sq = v_axpy_nrm2sq;
  t.sum = v_sum;
  t.cg_direction = g_cg_direction;
  t.exp_row = v_exp_row;
  t.max_diff = v_max_diff;
  t.cost_row = v_cost_row;
  t.gemm_micro_4x8 = v_gemm_micro_4x8;
  return t;
}
constexpr itersolve::Kernels kTable = make_table();
static_assert(g_table_complete(kTable), "every kernel of kTable is set");
#if defined(ITERSOLVE_BENCH_VARIANTS)
// The gather variant of the bench harness: the table above with its SpMV kernels swapped.
constexpr itersolve::Kernels make_bench_table() {
  itersolve::Kernels t = make_table();
  t.name = "avx2-gather4";
  t.spmv = b_spmv;
  t.spmv_dot = b_spmv_dot;
  return t;
}
constexpr itersolve::Kernels kBenchGather4 = make_bench_table();
#endif  // ITERSOLVE_BENCH_VARIANTS
}  // namespace

namespace itersolve {
const Kernels* kernels_avx2() { return &kTable; }
}  // namespace itersolve

#if defined(ITERSOLVE_BENCH_VARIANTS)
extern "C" const itersolve::Kernels* itersolve_bench_variant_avx2() { return &kBenchGather4; }
#endif
