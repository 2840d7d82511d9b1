// AVX-512 (F + VL + DQ) kernels. Built with -mavx512f -mavx512vl -mavx512dq -mfma in its own
// translation unit; reached only through the dispatcher after CPUID and XGETBV agree.
#include <immintrin.h>

#include "kernels.hpp"

namespace {
#include "kernels_generic.inc"

// spmv / spmv_dot: the row kernel of kernels_generic.inc (g_spmv / g_spmv_dot), compiled here with
// this TU's flags (FMA contraction), as in the AVX2 table. SpMV is bound by the values/colIdx
// streams; what moved it was prefetching and keeping the per-row work small, not SIMD width
// (notes in kernels_generic.inc). The AVX-512 gather form below (bench-only) is checked for
// correctness through an emulation but could not be timed on AVX-512 hardware yet; it should
// replace g_spmv here only if bench/native shows it faster on such a machine.

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
    const __mmask8 m =
        left >= 8 ? static_cast<__mmask8>(0xFF) : static_cast<__mmask8>((1u << left) - 1u);
    __m512d xv =
        _mm512_fmadd_pd(va, _mm512_maskz_loadu_pd(m, p + i), _mm512_maskz_loadu_pd(m, x + i));
    _mm512_mask_storeu_pd(x + i, m, xv);
    __m512d rv =
        _mm512_fnmadd_pd(va, _mm512_maskz_loadu_pd(m, q + i), _mm512_maskz_loadu_pd(m, r + i));
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
    const __mmask8 m =
        left >= 8 ? static_cast<__mmask8>(0xFF) : static_cast<__mmask8>((1u << left) - 1u);
    __m512d yv =
        _mm512_fmadd_pd(va, _mm512_maskz_loadu_pd(m, x + i), _mm512_maskz_loadu_pd(m, y + i));
    _mm512_mask_storeu_pd(y + i, m, yv);
    a0 = _mm512_fmadd_pd(yv, yv, a0);
  }
  return _mm512_reduce_add_pd(_mm512_add_pd(a0, a1));
}

// ---------------------------------------------------------------------------------------------
// Optimal transport: exp rows, max_diff, cost rows (kernels_generic.inc's g_exp / g_cost_row
// formulas, eight lanes at a time with FMA; tails through the same code under a mask).
static_assert(kExpDeg == 11, "v_exp8 evaluates the degree-11 polynomial by Estrin");
inline __m512d v_exp8(__m512d x) {
  const __m512d lo = _mm512_set1_pd(kExpLo);
  const __mmask8 keep = _mm512_cmp_pd_mask(x, lo, _CMP_NLT_UQ);  // x ≥ lo or NaN
  const __m512d xc = _mm512_min_pd(_mm512_set1_pd(kExpHi), _mm512_max_pd(lo, x));
  const __m512d magic = _mm512_set1_pd(kExpMagic);
  const __m512d t = _mm512_fmadd_pd(xc, _mm512_set1_pd(kExpLog2e), magic);
  const __m512d kd = _mm512_sub_pd(t, magic);
  __m512d r = _mm512_fnmadd_pd(kd, _mm512_set1_pd(kExpLn2Hi), xc);
  r = _mm512_fnmadd_pd(kd, _mm512_set1_pd(kExpLn2Lo), r);
  // Estrin's scheme (depth 5 instead of Horner's 11: the exp is latency-bound otherwise, the
  // out-of-order window holding too few independent rows of it).
  const __m512d r2 = _mm512_mul_pd(r, r);
  const __m512d r4 = _mm512_mul_pd(r2, r2);
  const __m512d r8 = _mm512_mul_pd(r4, r4);
#define ITERSOLVE_EXP_PAIR(k) \
  _mm512_fmadd_pd(_mm512_set1_pd(kExpC[10 - (k)]), r, _mm512_set1_pd(kExpC[11 - (k)]))
  const __m512d p01 = ITERSOLVE_EXP_PAIR(0), p23 = ITERSOLVE_EXP_PAIR(2);
  const __m512d p45 = ITERSOLVE_EXP_PAIR(4), p67 = ITERSOLVE_EXP_PAIR(6);
  const __m512d p89 = ITERSOLVE_EXP_PAIR(8), pab = ITERSOLVE_EXP_PAIR(10);
#undef ITERSOLVE_EXP_PAIR
  const __m512d q0 = _mm512_fmadd_pd(p23, r2, p01), q1 = _mm512_fmadd_pd(p67, r2, p45);
  const __m512d q2 = _mm512_fmadd_pd(pab, r2, p89);
  const __m512d p = _mm512_fmadd_pd(q2, r8, _mm512_fmadd_pd(q1, r4, q0));
  const __m512i bits =
      _mm512_slli_epi64(_mm512_add_epi64(_mm512_castpd_si512(t), _mm512_set1_epi64(1022)), 52);
  return _mm512_maskz_mul_pd(keep, p, _mm512_castsi512_pd(bits));
}

template <bool kHasG>
double v_exp_row_t(const double* __restrict g, const double* __restrict c, double s, double inv_eps,
                   double* __restrict out, int64_t m) {
  const __m512d vs = _mm512_set1_pd(s), vi = _mm512_set1_pd(inv_eps);
  __m512d a0 = _mm512_setzero_pd(), a1 = _mm512_setzero_pd();
  int64_t j = 0;
  for (; j + 16 <= m; j += 16) {
    __m512d x0 = kHasG ? _mm512_add_pd(vs, _mm512_loadu_pd(g + j)) : vs;
    __m512d x1 = kHasG ? _mm512_add_pd(vs, _mm512_loadu_pd(g + j + 8)) : vs;
    x0 = _mm512_mul_pd(_mm512_sub_pd(x0, _mm512_loadu_pd(c + j)), vi);
    x1 = _mm512_mul_pd(_mm512_sub_pd(x1, _mm512_loadu_pd(c + j + 8)), vi);
    const __m512d e0 = v_exp8(x0), e1 = v_exp8(x1);
    _mm512_storeu_pd(out + j, e0);
    _mm512_storeu_pd(out + j + 8, e1);
    a0 = _mm512_add_pd(a0, e0);
    a1 = _mm512_add_pd(a1, e1);
  }
  for (; j < m; j += 8) {
    const int64_t len = m - j < 8 ? m - j : 8;
    const __mmask8 mk = static_cast<__mmask8>((1u << len) - 1u);
    __m512d x = kHasG ? _mm512_add_pd(vs, _mm512_maskz_loadu_pd(mk, g + j)) : vs;
    x = _mm512_mul_pd(_mm512_sub_pd(x, _mm512_maskz_loadu_pd(mk, c + j)), vi);
    const __m512d e = _mm512_maskz_mov_pd(mk, v_exp8(x));
    _mm512_mask_storeu_pd(out + j, mk, e);
    a1 = _mm512_add_pd(a1, e);
  }
  return _mm512_reduce_add_pd(_mm512_add_pd(a0, a1));
}

double v_exp_row(const double* g, const double* c, double s, double inv_eps, double* out,
                 int64_t m) {
  return g != nullptr ? v_exp_row_t<true>(g, c, s, inv_eps, out, m)
                      : v_exp_row_t<false>(g, c, s, inv_eps, out, m);
}

double v_max_diff(const double* g, const double* c, int64_t m) {
  const __m512d ninf =
      _mm512_castsi512_pd(_mm512_set1_epi64(static_cast<int64_t>(0xFFF0000000000000u)));
  __m512d a0 = ninf;
  int64_t j = 0;
  for (; j < m; j += 8) {
    const int64_t len = m - j < 8 ? m - j : 8;
    const __mmask8 mk = static_cast<__mmask8>((1u << len) - 1u);
    const __m512d gv = g != nullptr ? _mm512_maskz_loadu_pd(mk, g + j) : _mm512_setzero_pd();
    a0 = _mm512_mask_max_pd(a0, mk, a0, _mm512_sub_pd(gv, _mm512_maskz_loadu_pd(mk, c + j)));
  }
  return _mm512_reduce_max_pd(a0);
}

// GEMM micro-kernel (Kernels::gemm_micro_4x8): four zmm accumulators (one per row), a
// broadcast per row of the A sliver, one load per depth step of the B sliver; each entry sums
// p = 0..kc−1 in order with FMA, as the generic body does (same bits).
void v_gemm_micro_4x8(int64_t kc, const double* __restrict a, const double* __restrict b,
                      double* __restrict acc) {
  __m512d c0 = _mm512_setzero_pd(), c1 = c0, c2 = c0, c3 = c0;
  for (int64_t p = 0; p < kc; ++p) {
    const __m512d bv = _mm512_loadu_pd(b + p * 8);
    c0 = _mm512_fmadd_pd(_mm512_set1_pd(a[p * 4]), bv, c0);
    c1 = _mm512_fmadd_pd(_mm512_set1_pd(a[p * 4 + 1]), bv, c1);
    c2 = _mm512_fmadd_pd(_mm512_set1_pd(a[p * 4 + 2]), bv, c2);
    c3 = _mm512_fmadd_pd(_mm512_set1_pd(a[p * 4 + 3]), bv, c3);
  }
  _mm512_storeu_pd(acc, c0);
  _mm512_storeu_pd(acc + 8, c1);
  _mm512_storeu_pd(acc + 16, c2);
  _mm512_storeu_pd(acc + 24, c3);
}

void v_cost_row(const double* __restrict x, const double* __restrict Yt, int64_t m, int64_t d,
                int metric, double* __restrict out) {
  const __m512d sign = _mm512_set1_pd(-0.0);
  for (int64_t j = 0; j < m; j += 8) {
    const int64_t len = m - j < 8 ? m - j : 8;
    const __mmask8 mk = static_cast<__mmask8>((1u << len) - 1u);
    __m512d a = _mm512_setzero_pd();
    for (int64_t k = 0; k < d; ++k) {
      const __m512d t =
          _mm512_sub_pd(_mm512_set1_pd(x[k]), _mm512_maskz_loadu_pd(mk, Yt + k * m + j));
      a = metric == 2 ? _mm512_add_pd(a, _mm512_andnot_pd(sign, t)) : _mm512_fmadd_pd(t, t, a);
    }
    if (metric == 1) a = _mm512_sqrt_pd(a);
    _mm512_mask_storeu_pd(out + j, mk, a);
  }
}

#if defined(ITERSOLVE_BENCH_VARIANTS)
// ---------------------------------------------------------------------------------------------
// Bench-only alternative SpMV (compiled by bench/native/build.sh, never by the library build):
// eight rows at a time, each row one zmm of masked products (masked loads of values / colIdx, a
// masked vgatherdpd of x: no read outside a row, so none past the arrays), the eight row vectors
// reduced together by a transpose-and-add network (14 shuffles + 7 adds per 8 rows instead of a
// horizontal sum per row), one store of y per 8 rows. Kept out of the table because it could
// not be timed on an AVX-512 machine here, and because gathers are slow on Zen 2/3 (2x slower
// than scalar loads in the AVX2 version) and on Intel parts with the GDS (Downfall) microcode;
// the scalar-load row kernel (g_spmv) is within ~5 % of a pure-streaming ceiling on large
// matrices. Run bench/out/native/spmv_bench on an AVX-512 machine to compare.
inline __mmask8 b_lenmask(int64_t len) {
  return static_cast<__mmask8>(len >= 8 ? 0xFFu : (0xFFu >> (8 - len)));
}

// Products of row [k, e) folded into one zmm (lane sums are row partial sums).
inline __m512d b_row(const double* v, const int32_t* ci, const double* x, int64_t k,
                     const int64_t e) {
  __m512d a = _mm512_setzero_pd();
  for (; k + 8 <= e; k += 8) {
    const __m256i idx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ci + k));
    a = _mm512_fmadd_pd(_mm512_loadu_pd(v + k), _mm512_i32gather_pd(idx, x, 8), a);
  }
  if (k < e) {
    const __mmask8 m = b_lenmask(e - k);
    const __m256i idx = _mm256_maskz_loadu_epi32(m, ci + k);
    const __m512d xv = _mm512_mask_i32gather_pd(_mm512_setzero_pd(), m, idx, x, 8);
    a = _mm512_fmadd_pd(_mm512_maskz_loadu_pd(m, v + k), xv, a);
  }
  return a;
}

// out[i] = sum of the lanes of a[i], i = 0..7.
inline __m512d b_reduce8(const __m512d* a) {
  // pairwise: per 128-bit lane, (sum of a[2j] pair, sum of a[2j+1] pair)
  const __m512d t01 = _mm512_add_pd(_mm512_unpacklo_pd(a[0], a[1]), _mm512_unpackhi_pd(a[0], a[1]));
  const __m512d t23 = _mm512_add_pd(_mm512_unpacklo_pd(a[2], a[3]), _mm512_unpackhi_pd(a[2], a[3]));
  const __m512d t45 = _mm512_add_pd(_mm512_unpacklo_pd(a[4], a[5]), _mm512_unpackhi_pd(a[4], a[5]));
  const __m512d t67 = _mm512_add_pd(_mm512_unpacklo_pd(a[6], a[7]), _mm512_unpackhi_pd(a[6], a[7]));
  // 128-bit lanes: [t01.0+t01.1, t01.2+t01.3, t23.0+t23.1, t23.2+t23.3]
  const __m512d s03 = _mm512_add_pd(_mm512_shuffle_f64x2(t01, t23, _MM_SHUFFLE(2, 0, 2, 0)),
                                    _mm512_shuffle_f64x2(t01, t23, _MM_SHUFFLE(3, 1, 3, 1)));
  const __m512d s47 = _mm512_add_pd(_mm512_shuffle_f64x2(t45, t67, _MM_SHUFFLE(2, 0, 2, 0)),
                                    _mm512_shuffle_f64x2(t45, t67, _MM_SHUFFLE(3, 1, 3, 1)));
  return _mm512_add_pd(_mm512_shuffle_f64x2(s03, s47, _MM_SHUFFLE(2, 0, 2, 0)),
                       _mm512_shuffle_f64x2(s03, s47, _MM_SHUFFLE(3, 1, 3, 1)));
}

template <bool kDot>
double b_spmv8(const itersolve::CsrView& A, const double* x, double* y, const double* w, int64_t r0,
               int64_t r1) {
  if (r1 <= r0) return 0.0;
  const int32_t* rp = A.rowPtr;
  const int32_t* ci = A.colIdx;
  const double* v = A.values;
  __m512d d = _mm512_setzero_pd();
  int64_t k = rp[r0];
  int64_t r = r0;
  __m512d acc[8];
  for (; r + 8 <= r1; r += 8) {
    for (int i = 0; i < 8; ++i) {
      const int64_t e = rp[r + i + 1];
      acc[i] = b_row(v, ci, x, k, e);
      k = e;
    }
    const __m512d s = b_reduce8(acc);
    _mm512_storeu_pd(y + r, s);
    if (kDot) d = _mm512_fmadd_pd(_mm512_loadu_pd(w + r), s, d);
  }
  if (r < r1) {
    const int64_t c = r1 - r;
    for (int i = 0; i < 8; ++i) {
      if (i < c) {
        const int64_t e = rp[r + i + 1];
        acc[i] = b_row(v, ci, x, k, e);
        k = e;
      } else {
        acc[i] = _mm512_setzero_pd();
      }
    }
    const __mmask8 m = b_lenmask(c);
    const __m512d s = b_reduce8(acc);
    _mm512_mask_storeu_pd(y + r, m, s);
    if (kDot) d = _mm512_fmadd_pd(_mm512_maskz_loadu_pd(m, w + r), s, d);
  }
  return kDot ? _mm512_reduce_add_pd(d) : 0.0;
}

void b_spmv(const itersolve::CsrView& A, const double* x, double* y, int64_t r0, int64_t r1) {
  b_spmv8<false>(A, x, y, nullptr, r0, r1);
}
double b_spmv_dot(const itersolve::CsrView& A, const double* x, double* y, const double* w,
                  int64_t r0, int64_t r1) {
  return b_spmv8<true>(A, x, y, w, r0, r1);
}

#endif  // ITERSOLVE_BENCH_VARIANTS

// Filled field by field, by name (C++17 has no designated initialisers): a positional list
// cannot tell nrm2sq from sum, which share a signature.
constexpr itersolve::Kernels make_table() {
  itersolve::Kernels t{};
  t.level = itersolve::SimdLevel::Avx512;
  t.name = "avx512";
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
  t.name = "avx512-gather8";
  t.spmv = b_spmv;
  t.spmv_dot = b_spmv_dot;
  return t;
}
constexpr itersolve::Kernels kBenchGather8 = make_bench_table();
#endif  // ITERSOLVE_BENCH_VARIANTS
}  // namespace

namespace itersolve {
const Kernels* kernels_avx512() { return &kTable; }
}  // namespace itersolve

#if defined(ITERSOLVE_BENCH_VARIANTS)
extern "C" const itersolve::Kernels* itersolve_bench_variant_avx512() { return &kBenchGather8; }
#endif
