// Sparse LU factorisation P·A·Q = L·U of a square matrix (native/direct/). Pure C++ (no Node).
// Written from the papers (no code copied from KLU, SuperLU, CSparse or SciPy):
//   - J. R. Gilbert & T. Peierls, "Sparse partial pivoting in time proportional to arithmetic
//     operations", SIAM J. Sci. Stat. Comput. 9(5), 1988: left-looking LU, column j of L and U
//     from a sparse triangular solve L·x = A(:, j) whose nonzero pattern is the set reachable in
//     the graph of L from A(:, j)'s rows (a depth-first search, taken in topological order);
//     the search runs on the symmetrically pruned graph of S. C. Eisenstat & J. W. H. Liu,
//     "Exploiting structural symmetry in a sparse partial pivoting code", SIAM J. Sci. Comput.
//     14(1), 1993 (numerics use the full columns).
//   - T. A. Davis & E. Palamadai Natarajan, "Algorithm 907: KLU", ACM TOMS 37(3), 2010: the
//     block triangular pre-order (btf.hpp: Duff 1981 maximum transversal + Tarjan 1972 strongly
//     connected components), a fill-reducing ordering of each diagonal block, factorisation of
//     the diagonal blocks only (1×1 blocks — singletons — need no L or U), off-diagonal blocks
//     kept as they are for the block back-substitution, and the refactorisation that reuses the
//     pivot sequence and the patterns of L and U.
//   - Threshold partial pivoting: in column j the candidate rows are those not yet pivotal; with
//     m = max |x_i| over them, the DIAGONAL row (the row the pre-order placed at position j: the
//     matched row, so a zero-free diagonal is preferred and the fill-reducing ordering is kept)
//     is chosen when |x_diag| ≥ τ·m (τ = pivot_threshold in [0, 1]; a zero diagonal is never kept),
//     else the first candidate of largest magnitude (in the order of the reach: deterministic).
//   - Condition estimate: N. J. Higham & F. Tisseur, "A block algorithm for matrix 1-norm
//     estimation", SIAM J. Matrix Anal. Appl. 21(4), 2000, with block size 1 (Hager 1984 /
//     Higham 1988: LAPACK's xLACON scheme, plus Higham's alternating-sign extra vector):
//     κ₁ ≈ ‖A‖₁ · est(‖A⁻¹‖₁), a lower bound of the true κ₁ (up to rounding).
//
// Engines (method()):
//   "supernodal"    SupernodalLu (lu_supernodal.hpp: multifrontal, dense GEMM updates, pivoting
//                   restricted to each supernode's diagonal block) on a symmetric ordering of
//                   A + Aᵀ (ordering.hpp order_symmetric). Fast on nearly structurally symmetric
//                   matrices (PDE discretisations such as convection-diffusion); it declines
//                   (nullptr) when a supernode has no acceptable pivot in its diagonal block.
//   "left-looking"  the Gilbert–Peierls path above (KLU-style): robust for every matrix, and the
//                   one for circuit-like, unsymmetric or reducible matrices.
// Orderings (ordering_name(): the one used, never "auto"):
//   Auto    nearly structurally symmetric pattern (structural_symmetry ≥ 0.9) with a zero-free
//           diagonal: supernodal on order_symmetric(Auto) (AMD, or nested dissection when AMD's
//           fill is high; the name is then "amd" or "nested-dissection"); if it declines,
//           left-looking with Amd below. Otherwise left-looking with Colamd.
//   Amd     supernodal on AMD of A + Aᵀ first; if it declines, left-looking: BTF, then AMD on
//           the pattern of B + Bᵀ of each diagonal block B (KLU's default).
//   Colamd  left-looking: BTF, then a column ordering from AᵀA (colamd.hpp) inside each block,
//           applied to the block's rows too (the block has a zero-free diagonal after the
//           transversal, so the symmetric application keeps it on the diagonal).
//   Natural left-looking, no BTF and no ordering: one block, the original rows and columns.
//
// Errors (SolverError): a non-square or malformed A -> ERR_INVALID_MATRIX / ERR_DIMENSION_MISMATCH
// ("A"); a non-finite value -> ERR_INVALID_MATRIX ("A"); pivot_threshold outside [0, 1] ->
// ERR_INVALID_ARGUMENT ("pivotThreshold"); structurally singular (no maximum transversal) or a
// column without a nonzero pivot candidate -> ERR_SINGULAR .withColumn(the ORIGINAL column); ctl
// (may be null) is polled every few hundred columns / few million operations: Aborted ->
// ABORT_ERR, TimeLimit -> ERR_TIME_LIMIT.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "../core/control.hpp"
#include "../core/ops.hpp"

namespace itersolve {
namespace direct {

enum class LuOrdering { Auto, Colamd, Amd, Natural };
const char* lu_ordering_name(LuOrdering o);  // "auto" "colamd" "amd" "natural"

struct LuOptions {
  LuOrdering ordering = LuOrdering::Auto;
  double pivot_threshold = 0.1;
};

// The fraction of the off-diagonal entries (i, j), i ≠ j, of the pattern whose transpose (j, i)
// is also present (1 for an empty off-diagonal pattern); duplicates count once. A: n×n CSR.
double structural_symmetry(int32_t n, const int32_t* rowPtr, const int32_t* colIdx);

class SupernodalLu;

class LuFactor {
 public:
  ~LuFactor();
  // A: n×n CSR (duplicates are summed; explicit zeros are structural entries).
  static std::unique_ptr<LuFactor> factorize(const Engine& e, const CsrView& A, const LuOptions& o,
                                             Control* ctl);
  // A with the same pattern (rowPtr and colIdx equal to the factorised matrix's, else
  // ERR_INVALID_ARGUMENT "A") and new values. Reuses the ordering, the BTF blocks and, as KLU's
  // refactor does, the pivot sequence and the patterns of L and U: only the numbers are
  // recomputed. When a reused pivot fails the threshold test (|u_jj| < τ·max |column j
  // candidates|, or zero), the blocks are factorised afresh with pivoting (same ordering and
  // BTF; the patterns may change). On a failure (ERR_SINGULAR, abort) the factor is invalid and
  // solve throws ERR_INVALID_ARGUMENT until a refactor succeeds. Not thread-safe against solves.
  void refactor(const Engine& e, const CsrView& A, Control* ctl);
  // B: n×nrhs column-major (ldb ≥ n), overwritten with A⁻¹B / A⁻ᵀB. const and thread-safe.
  void solve(const Engine& e, double* B, int64_t nrhs, int64_t ldb) const;
  void solve_transpose(const Engine& e, double* B, int64_t nrhs, int64_t ldb) const;
  // 1-norm condition number estimate ‖A‖₁·est(‖A⁻¹‖₁) (a lower bound, usually within a factor
  // of 3); 0 for n = 0.
  double condest(const Engine& e) const;

  int64_t n() const { return n_; }
  // nnz(L) with its unit diagonal; nnz(U) with its diagonal and the off-diagonal blocks of the
  // block triangular form (the whole upper factor of the block form).
  int64_t nnzL() const;
  int64_t nnzU() const;
  const char* ordering_name() const { return name_; }
  const char* method() const { return sn_ ? "supernodal" : "left-looking"; }
  // Diagonal blocks of the block triangular form (1 for the supernodal and natural paths).
  int64_t btf_blocks() const;
  double pivot_threshold() const { return tau_; }
  // Final permutations of the left-looking path (empty on the supernodal one): row k of L·U is
  // A's row rowPerm()[k], column k is A's colPerm()[k].
  const std::vector<int32_t>& rowPerm() const { return P_; }
  const std::vector<int32_t>& colPerm() const { return Q_; }
  // Times the last refactor fell back to a fresh pivoting factorisation (0 or 1 per call).
  int64_t refactor_repivots() const { return repivots_; }

 private:
  LuFactor() = default;
  void analyse(const CsrView& A, LuOrdering which);
  void factor_numeric(const double* Ax, Control* ctl);  // pivoting GP on every block
  bool refactor_numeric(const double* Ax, Control* ctl);  // reused pivots; false: threshold failed
  void finish_offdiag(const double* Ax);  // off-diagonal blocks' values
  void check_valid() const;
  void compute_anorm(const double* Ax);

  int32_t n_ = 0;
  double tau_ = 0.1;
  LuOrdering used_ = LuOrdering::Natural;  // of the left-looking path
  const char* name_ = "natural";
  std::unique_ptr<SupernodalLu> sn_;  // the supernodal factor, when that path ran
  bool valid_ = false;
  bool patternOk_ = false;  // L/U patterns and pivots complete (refactor may reuse them)
  int64_t repivots_ = 0;
  double anorm_ = 0;  // ‖A‖₁
  // The factorised matrix's pattern (refactor checks it).
  std::vector<int32_t> rowPtr_, colIdx_;
  // Pre-order (BTF + block ordering) P0, Q; blocks; the permuted matrix by columns: entry q of
  // column k (Cp_[k] .. Cp_[k+1]) has pre-order row position Ci_[q] and value Ax[Cs_[q]].
  std::vector<int32_t> P0_, Q_, blockStart_, Cp_, Ci_, Cs_;
  // Final row permutation P (P0 with the pivoting inside each block) and its inverse.
  std::vector<int32_t> P_, pinv0_;  // pinv0_[pre-order position] = final position
  // L (unit diagonal implicit) and U (diagonal in Ud_) of the diagonal blocks, by columns, row
  // indices = final positions; U's rows in each column in topological order (refactor reuses it).
  std::vector<int32_t> Lp_, Li_, Up_, Ui_;
  std::vector<double> Lx_, Ux_, Ud_;
  // Off-diagonal blocks by columns (final positions): entry (Oi_, column k) of C, value Ox_;
  // Os_ the source entry in A's values.
  std::vector<int32_t> Op_, Oi_, Oi0_ /* pre-order positions */, Os_;
  std::vector<double> Ox_;
};

}  // namespace direct
}  // namespace itersolve
