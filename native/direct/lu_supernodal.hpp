// Supernodal sparse LU for nearly structurally symmetric matrices (native/direct/), the fast path
// of the sparse LU (LuFactor in lu.hpp calls it). Pure C++ (no Node).
//
// Given a symmetric ordering perm of the pattern of A + Aᵀ (new -> old), the symbolic analysis of
// that pattern (symbolic.hpp: analyse with etree postorder and relaxed supernodes, then
// supernodalStructure) gives supernodes whose row structure bounds the fill of L and Uᵀ for any
// row interchanges that stay inside a supernode's diagonal block: M = A(p, p) (p = perm composed
// with the postorder) is factorised as M = Pᵀ L U with P permuting rows only within each
// supernode's diagonal block. Per supernode s (columns f..f+w−1, structure rows[0..m), own
// columns first):
//   L panel: m × w, column-major (ld m): the unit lower L11 (strictly below its diagonal) and U11
//            (upper, diagonal included) in the top w × w block, L21 below. L21's rows are rows of
//            M (pre-pivot numbering; they belong to ancestor supernodes), the top block's rows
//            are in pivot order.
//   U panel: U12 stored transposed, (m − w) × w column-major (= w × (m − w) row-major): the
//            rows of the supernode, the columns of its structure below the diagonal block.
//   pivot:   for each of the supernode's w pivot positions, the local row of M placed there.
// This is the supernodal Cholesky layout with separate L and U halves; both are allocated once
// from the symbolic analysis and reused by refactor().
//
// Numeric method: multifrontal (Duff & Reid, "The multifrontal solution of indefinite sparse
// symmetric linear equations", ACM TOMS 9, 1983; Amestoy & Duff's unsymmetric-pattern-on-
// symmetrised-structure variant as in MUMPS: Amestoy, Duff, L'Excellent & Koster, SIAM J. Matrix
// Anal. Appl. 23(1), 2001; J. W. H. Liu, "The multifrontal method for sparse matrix solution:
// theory and practice", SIAM Review 34, 1992). Chosen over left-looking because each supernode's
// whole Schur complement update is ONE dense GEMM (C −= L21 · U12, depth w) into a contiguous
// frontal matrix, and row pivoting inside the front is a plain LAPACK-style partial-pivoting panel
// factorisation; the price is the extend-add of the children's contribution blocks (kept on one
// stack in postorder, children added in increasing order, so the arithmetic is fixed). The front
// of s is m × m: its first w columns are assembled directly in the L panel's storage, the other
// m − w in a work buffer. Steps: assemble A's entries (a precomputed scatter map, reused by
// refactor) and the children's contribution blocks; blocked right-looking LU of the m × w panel
// (blocks of kPanelBlock columns, rank-1 updates inside a block, GEMM for the rest of the panel);
// U12 = L11⁻¹ F12 (blocked triangular solve); F22 −= L21 · U12 (the contribution block).
// Dense products of at least kGemmMin multiply-adds use the Engine kernel table's packed 4 × 8
// SIMD micro-kernel (the one native/core/gemm uses) inside a blocked product written for these
// layouts (contiguous packing of L21 rows and Uᵀ panel columns, vectorised write-back), threaded
// over tiles of C with a fixed summation order; smaller ones, the rank-1 panel updates and the
// U12 triangular solve use the kernel table's axpy. Relaxed supernodes: width ≤ 16 or ≤ 10 %
// stored zeros (wider than Cholesky's defaults: every front costs an m × m zeroing and
// extend-add).
//
// Threads: the supernodes are split once by the structure into two disjoint sets of whole
// subtrees (descending from the roots to the first node with several children, whose child
// subtrees go heaviest-first to the lighter set) factorised concurrently, each with its own
// buffers and stack, then the remaining ancestors with threaded products. Every front's arithmetic
// is the same whatever the thread count; the first failure in supernode order is reported.
//
// Pivoting: threshold partial pivoting restricted to the rows of the supernode's diagonal block.
// At pivot step k the candidate column is the whole panel column (rows k..m−1 of the front,
// after all previous updates); amax = max |entry| over it. The diagonal entry is kept when
// |a_kk| ≥ τ·amax and a_kk ≠ 0; otherwise the largest entry among the block's remaining rows
// (k..w−1) is taken if it passes |a_ik| ≥ τ·amax; if none passes, factorize() returns nullptr
// (refactor() false) and the caller falls back to a general LU. amax = 0 (an entirely zero column)
// or a non-finite column is ERR_SINGULAR .withColumn(the column of A).
//
// Solves (const, thread-safe: each call uses its own work vector): A x = b as M y = b(p), x(p) = y,
// forward with Pᵀ L supernode by supernode (gather the block rows in pivot order, unit lower
// triangular solve, scatter L21 · y to the rows below), backward with U; the transpose solves
// Uᵀ then Lᵀ P. Multiple right-hand sides are handled together per supernode.
//
// Control: ctl (may be null) is polled between supernodes: Aborted -> SolverError("ABORT_ERR"),
// TimeLimit -> SolverError("ERR_TIME_LIMIT").
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "../core/control.hpp"
#include "../core/ops.hpp"

namespace itersolve {
namespace direct {

class SupernodalLu {
 public:
  // A: n × n CSR (duplicates are summed; column indices need not be sorted). perm: a symmetric
  // ordering (new -> old, length n). pivot_threshold τ in [0, 1]. Returns nullptr when a
  // supernode has no acceptable pivot in its diagonal block. Errors: ERR_INVALID_ARGUMENT
  // (non-square A 'A', bad perm 'perm', τ outside [0, 1] 'pivotThreshold'), ERR_INVALID_MATRIX
  // (malformed CSR), ERR_SINGULAR.withColumn(c), ABORT_ERR, ERR_TIME_LIMIT.
  static std::unique_ptr<SupernodalLu> factorize(const Engine& e, const CsrView& A,
                                                 const std::vector<int32_t>& perm,
                                                 double pivot_threshold, Control* ctl);
  // New values on the same pattern (rowPtr/colIdx compared: ERR_INVALID_ARGUMENT 'A' when they
  // differ), reusing the analysis, the scatter map and the storage. false: a pivot was rejected
  // (the factor is then invalid; the caller factorises afresh). Errors as factorize (the factor
  // is invalid after one).
  bool refactor(const Engine& e, const CsrView& A, Control* ctl);
  // B: n × nrhs column-major (ldb ≥ n), overwritten with A⁻¹B (transpose: A⁻ᵀB). const and
  // thread-safe. ERR_INVALID_ARGUMENT when the factor is invalid (a failed refactor) or the
  // arguments are bad.
  void solve(const Engine& e, double* B, int64_t nrhs, int64_t ldb, bool transpose) const;

  int64_t n() const { return n_; }
  // Entries of L (unit diagonal included) and U (diagonal included) as stored by the supernodal
  // panels: the explicit zeros of relaxed supernodes count, those of the diagonal blocks'
  // unused triangles do not.
  int64_t nnzL() const { return nnzL_; }
  int64_t nnzU() const { return nnzU_; }
  int64_t supernodes() const { return static_cast<int64_t>(superStart_.size()) - 1; }
  // The final symmetric ordering (perm composed with the etree postorder), new -> old.
  const std::vector<int32_t>& perm() const { return perm_; }
  // Row interchanges made (pivots that were not the diagonal entry).
  int64_t offDiagonalPivots() const { return offDiagPivots_; }
  // Multiply-adds of the numeric factorisation (from the structure; for reports).
  double flops() const { return flops_; }

 private:
  SupernodalLu() = default;
  // 1: done; 0: a pivot was rejected. Throws on singular / abort.
  int numeric(const Engine& e, const double* values, Control* ctl);

  int64_t n_ = 0;
  int64_t nnzA_ = 0;
  double tau_ = 0.1;
  bool valid_ = false;
  std::vector<int32_t> perm_;  // new -> old
  std::vector<int32_t> rowPtrA_, colIdxA_;  // the pattern, for refactor's check
  std::vector<int32_t> superStart_;  // ns + 1
  std::vector<int32_t> rsPtr_, rows_;  // structure of each supernode (own columns first)
  std::vector<int32_t> childHead_, childNext_;  // children lists (increasing)
  std::vector<int64_t> lPtr_, uPtr_;  // offsets of each supernode's L / U panel
  std::vector<double> lx_, ux_;
  std::vector<int32_t> pivot_;  // pivot_[f + i] = local row of M at pivot position i
  // Scatter map of A's entries: for supernode s, entries asmPtr_[s]..asmPtr_[s+1]: A.values
  // index asmSrc_ and destination asmDst_ (≥ 0: offset in the L panel; < 0: −1 − offset in the
  // front's right part).
  std::vector<int64_t> asmPtr_;
  std::vector<int32_t> asmSrc_;
  std::vector<int64_t> asmDst_;
  int64_t maxRight_ = 0;  // largest m·(m − w)
  // Worker group of each supernode (0, 1: disjoint whole subtrees factorised concurrently; 2:
  // the rest, afterwards) and each group's contribution-block stack peak.
  std::vector<int8_t> group_;
  int64_t groupStack_[3] = {0, 0, 0};
  int64_t nnzL_ = 0, nnzU_ = 0, offDiagPivots_ = 0;
  double flops_ = 0;
};

}  // namespace direct
}  // namespace itersolve
