// Dense kernels of the supernodal Cholesky / LDLᵀ factorisation (native/direct/cholesky.hpp).
// Pure C++ (no BLAS). Every matrix is column-major with a leading dimension. Large products go
// through the blocked GEMM of native/core/gemm.hpp (packed panels, the kernel table's SIMD
// micro-kernel, threads over tiles with results independent of the thread count); small ones
// through plain loops the compiler vectorises (axpy down contiguous columns), where packing
// would cost more than it saves. Which path is taken depends only on the sizes, so results never
// depend on the number of threads. Algorithms: the blocked right-looking Cholesky of Golub & Van
// Loan, "Matrix Computations" (4th ed., §4.2.9), with the trapezoidal panel (diagonal block and
// the rows below it) factorised in one sweep (POTRF and the triangular solve of the rows below
// fused); LDLᵀ without pivoting the same way with D on the diagonal (GVL §4.1.2).
#pragma once
#include <cstdint>

#include "../core/ops.hpp"

namespace itersolve {
namespace direct {

// Factorises the panel P (m × w, m ≥ w, column-major, leading dimension ld) in place: its top
// w × w block is the (lower triangle of the) symmetric diagonal block, the m − w rows below are
// the sub-diagonal block. llt: P ← [L11; L21] with L11 lower triangular, A11 = L11 L11ᵀ,
// L21 = A21 L11⁻ᵀ. ldlt: unit lower L with D on the diagonal (P(j, j) = d_j), A11 = L11 D L11ᵀ,
// L21 = A21 L11⁻ᵀ D⁻¹. The strict upper triangle of the top block is scratch (overwritten).
// packA / packB / col: scratch as update_scatter needs for m rows, w columns, depth
// kPanelBlock.
// Returns −1 on success, else the local column j whose pivot failed (llt: not > 0 or not
// finite; ldlt: zero or not finite); the panel is then partly overwritten.
constexpr int64_t kPanelBlock = 48;
int64_t factor_panel(const Engine& e, int64_t m, int64_t w, double* P, int64_t ld, bool ldlt,
                     double* packA, double* packB, double* col);

// The supernodal update, scattered: with C = X · [diag(d)] · Yᵀ, X m × k (column-major, ldx)
// and Y its first n rows (n ≤ m), subtracts every C(i, j), i ≥ j, from
// P[rowmap[i] + colmap[j]·ldp] (rowmap / colmap null: the identity). Products of any useful size
// run through the kernel table's GEMM micro-kernel on packed slivers of X and Y (packA: at least
// (m + 3) · k doubles, packB: (n + 7) · k), smaller ones through column loops (col: m doubles).
// Each entry is summed over p = 0..k−1 in order whichever thread computes it; threads (the
// Engine's pool, large products only) split the column slivers.
void update_scatter(const Engine& e, int64_t m, int64_t n, int64_t k, const double* X, int64_t ldx,
                    const double* d, double* P, int64_t ldp, const int32_t* rowmap,
                    const int32_t* colmap, double* packA, double* packB, double* col);

}  // namespace direct
}  // namespace itersolve
