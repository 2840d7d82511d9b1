// Sparse Cholesky (LLᵀ) and LDLᵀ factorisation of a symmetric matrix (native/direct/). Pure C++
// (no Node).
//
// Method: fill-reducing symmetric ordering (ordering.hpp: AMD / nested dissection / natural /
// auto), symbolic analysis (symbolic.hpp: elimination tree, postorder, column counts, relaxed
// supernodes, supernodal row structure), then a left-looking supernodal numeric factorisation
// (Ng & Peyton, "Block sparse Cholesky algorithms on advanced uniprocessor computers", SIAM J.
// Sci. Comput. 14(5), 1993; Rothberg & Gupta 1991; the descendant linked lists of Davis, "Direct
// Methods for Sparse Linear Systems", SIAM 2006, §4.7/§9.1). Supernode J is a dense column-major
// panel (its rows × its columns). For each J in order: zero the panel, add A's entries, then for
// every descendant D with rows in J's columns (found through per-supernode linked lists, each D
// moving on to the next supernode its rows reach after it has updated J), form the dense update
// L_D(rows ≥ J) · [D_D] · L_D(rows in J)ᵀ (packed SIMD GEMM for large blocks, vectorised loops for
// small ones: dense_kernels.hpp) and subtract it from J's panel through a relative row map; then
// factorise the panel (blocked POTRF/LDLᵀ fused with the triangular solve of the rows below).
// Everything is allocated once per factor (panel storage, the update buffer, maps); refactor
// reuses the ordering, the symbolic analysis, the A-to-panel scatter map and all buffers.
//
// LDLᵀ is without pivoting (D may be negative: symmetric quasi-definite or any matrix whose
// leading minors in the chosen ordering are nonzero); negative_pivots() is the number of
// negative entries of D (the inertia's negative count for a nonsingular A).
//
// Determinism: the supernodes are processed in order and each update is applied in a fixed
// order; threads (the Engine's pool) only split large dense products by output tiles (gemm.hpp),
// so the factor and every solve are bitwise identical for any thread count.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "../core/control.hpp"
#include "../core/ops.hpp"
#include "ordering.hpp"
#include "symbolic.hpp"

namespace itersolve {
namespace direct {

struct CholeskyOptions {
  Ordering ordering = Ordering::Auto;
  bool ldlt = false;
  bool check_symmetric = true;
};

class CholeskyFactor {
 public:
  // A: n×n CSR holding BOTH triangles of a symmetric matrix (the lower triangle is what is
  // factorised: entry (i, j) with i ≥ j; duplicates are summed). With check_symmetric the upper
  // triangle is compared (exact equality of values, duplicates summed): ERR_NOT_SYMMETRIC naming
  // the row (and .column) of the first mismatch. Throws ERR_NOT_SPD.withColumn(original column)
  // when a pivot is not > 0 (llt); ldlt: D may be negative, an exactly zero / non-finite pivot
  // is ERR_SINGULAR.withColumn(original column). Non-square or malformed A: ERR_INVALID_MATRIX /
  // ERR_DIMENSION_MISMATCH ('A'). ctl may be null; polled between supernodes: Aborted ->
  // SolverError("ABORT_ERR"), TimeLimit -> SolverError("ERR_TIME_LIMIT").
  static std::unique_ptr<CholeskyFactor> factorize(const Engine& e, const CsrView& A,
                                                   const CholeskyOptions& o, Control* ctl);
  // Same sparsity pattern (rowPtr and colIdx identical; else ERR_INVALID_ARGUMENT 'A'), new
  // values: reuses the ordering, the symbolic analysis and every buffer. On a numerical failure
  // (or abort) the factor is marked invalid: solve then throws ERR_INVALID_ARGUMENT until a
  // refactor succeeds.
  void refactor(const Engine& e, const CsrView& A, Control* ctl);
  // B: n×nrhs column-major (ldb >= n), overwritten with A⁻¹B. const and thread-safe (several
  // solves at once; each uses its own scratch). Several right-hand sides are shared out over
  // the Engine's pool by columns (bitwise the same as one at a time).
  void solve(const Engine& e, double* B, int64_t nrhs, int64_t ldb) const;

  int64_t n() const { return n_; }
  int64_t nnzL() const { return nnzL_; }  // nnz(L) of the exact structure (diagonal included)
  int64_t nnzStored() const { return lxSize_; }  // panels incl. zeros
  int64_t supernodes() const { return static_cast<int64_t>(super_.size()) - 1; }
  Ordering ordering() const { return ordering_; }  // the one used, never Auto
  bool ldlt() const { return ldlt_; }
  double log_determinant() const { return logdet_; }  // log|det A|
  int64_t negative_pivots() const { return negative_; }
  const std::vector<int32_t>& perm() const { return perm_; }  // new -> old
  bool valid() const { return valid_; }

 private:
  CholeskyFactor() = default;
  void assemble_and_factor(const Engine& e, const CsrView& A, Control* ctl);
  void solve_range(double* B, int64_t r0, int64_t r1, int64_t ldb) const;

  int64_t n_ = 0;
  int64_t nnzL_ = 0;
  Ordering ordering_ = Ordering::Natural;
  bool ldlt_ = false;
  bool check_symmetric_ = true;
  bool valid_ = false;
  double logdet_ = 0.0;
  int64_t negative_ = 0;
  std::vector<int32_t> perm_;  // new -> old
  // The pattern factorised (for refactor's check).
  std::vector<int32_t> rowPtr_, colIdx_;
  // Supernodal structure.
  std::vector<int32_t> super_;   // nsuper + 1 column boundaries
  std::vector<int32_t> rptr_;    // nsuper + 1 offsets into rows_
  std::vector<int32_t> rows_;    // row indices (new numbering) of each supernode
  std::vector<int32_t> colToSuper_;
  std::vector<int64_t> px_;      // nsuper + 1 offsets of the panels in Lx_
  // Panels, column-major, ld = the supernode's row count; not value-initialised (each panel is
  // zeroed right before its assembly, so its pages are first touched there).
  std::unique_ptr<double[]> Lx_;
  int64_t lxSize_ = 0;
  std::vector<double> D_;        // ldlt: the pivots (new numbering)
  // A's lower-triangle entries grouped by supernode: aptr_[s]..aptr_[s+1) index asrc_/adst_
  // (source position in A's values, destination offset in Lx_).
  std::vector<int64_t> aptr_;
  std::vector<int32_t> asrc_;
  std::vector<int64_t> adst_;
  // Scratch reused by every (re)factorisation.
  std::vector<double> packA_, packB_, col_;
  std::vector<int32_t> relmap_ /* n + max rows: the relative map, then the column map */, rmap_,
      head_, next_, nextRow_;
};

}  // namespace direct
}  // namespace itersolve
