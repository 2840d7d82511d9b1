// Kernel table: one set of function pointers per instruction-set level.
// The SIMD translation units (kernels_avx2.cpp, kernels_avx512.cpp, kernels_neon.cpp) are built
// with their own target flags and must include nothing but <cstdint>, <cstddef>, the intrinsics
// header and this file, so no inline function compiled for a wider ISA can leak into baseline code
// through the linker (ODR). Everything here is plain C-compatible data.
#pragma once
#include <cstddef>
#include <cstdint>

namespace itersolve {

enum class SimdLevel : int { Scalar = 0, Avx2 = 1, Avx512 = 2, Neon = 3 };

// Read-only view of a CSR matrix. nnz = rowPtr[rows] (rowPtr[0] may be non-zero only if the
// caller passes an offset view; kernels read rowPtr[i]..rowPtr[i+1]).
struct CsrView {
  int64_t rows;
  int64_t cols;
  const int32_t* rowPtr;
  const int32_t* colIdx;
  const double* values;
};

struct Kernels {
  SimdLevel level;
  const char* name;
  // y[r] = sum_j A[r,j] x[j] for r in [r0, r1)
  void (*spmv)(const CsrView& A, const double* x, double* y, int64_t r0, int64_t r1);
  // y = A x for rows [r0,r1) and returns sum over those rows of w[r]*y[r] (w may alias x for pᵀAp)
  double (*spmv_dot)(const CsrView& A, const double* x, double* y, const double* w, int64_t r0,
                     int64_t r1);
  double (*dot)(const double* x, const double* y, int64_t n);
  double (*nrm2sq)(const double* x, int64_t n);
  // y += a x
  void (*axpy)(double a, const double* x, double* y, int64_t n);
  // y = x + b y
  void (*xpby)(const double* x, double b, double* y, int64_t n);
  // y = a x + b y
  void (*axpby)(double a, const double* x, double b, double* y, int64_t n);
  // x += a p ; r -= a q ; returns r·r   (the fused CG update)
  double (*cg_update)(double a, const double* p, const double* q, double* x, double* r, int64_t n);
  // y += a x ; returns y·y
  double (*axpy_nrm2sq)(double a, const double* x, double* y, int64_t n);
  // sum of x[i] (read-bandwidth probe and tests)
  double (*sum)(const double* x, int64_t n);
  // x += a p ; p = z + b p   (CG's direction update with the pending x update fused: p is read
  // once for both)
  void (*cg_direction)(double a, const double* z, double b, double* x, double* p, int64_t n);
  // Optimal transport (native/ot/). out[j] = exp((s + g[j] − c[j])·inv_eps) for j in [0, m), g
  // null meaning zeros; returns Σ out[j] (fixed summation order for a given m). The exp is
  // vectorised (range reduction + polynomial, ≤ ~2 ulp on normal results); a result below
  // 2^−1021 (argument < −708) is flushed to exactly 0 (no denormals, no slow paths, −∞ → 0), an
  // argument above ln(DBL_MAX) gives +∞, NaN propagates. Each out[j] depends only on its own
  // arguments (never on j or m): the same bits whatever slice of a row a caller passes.
  double (*exp_row)(const double* g, const double* c, double s, double inv_eps, double* out,
                    int64_t m);
  // max over j of g[j] − c[j] (g null: zeros); −∞ for m = 0. (Exact log-sum-exp shifts.)
  double (*max_diff)(const double* g, const double* c, int64_t m);
  // One row of a cost matrix: out[j] = dist(x, y_j), j in [0, m), x (d), the points y_j given
  // transposed (Yt + k·m holds coordinate k of every point). metric 0: Σ (x_k − y_jk)²,
  // 1: its square root, 2: Σ |x_k − y_jk|.
  void (*cost_row)(const double* x, const double* Yt, int64_t m, int64_t d, int metric,
                   double* out);
  // Dense GEMM micro-kernel (native/core/gemm.cpp): acc (4 × 8, row-major, overwritten) =
  // Σ_{p<kc} a[p·4 + i]·b[p·8 + j], a and b packed slivers; the depth summed in order p = 0..kc−1
  // per entry (one accumulator each): the same bits for any caller's split of C.
  void (*gemm_micro_4x8)(int64_t kc, const double* a, const double* b, double* acc);
};

// Per-ISA tables. Only those compiled for this architecture exist; the dispatcher knows which.
const Kernels* kernels_scalar();
#if defined(__x86_64__) || defined(_M_X64)
const Kernels* kernels_avx2();
const Kernels* kernels_avx512();
#endif
#if defined(__aarch64__)
const Kernels* kernels_neon();
#endif

// Highest level this CPU (and OS) supports.
SimdLevel detect_simd();
// Is `level` runnable here?
bool simd_supported(SimdLevel level);
// Table for a level; nullptr when not supported on this CPU/build.
const Kernels* kernels_for(SimdLevel level);
const char* simd_name(SimdLevel level);
// Parses "scalar" | "avx2" | "avx512" | "neon"; returns false for anything else.
bool parse_simd(const char* s, SimdLevel* out);

}  // namespace itersolve
