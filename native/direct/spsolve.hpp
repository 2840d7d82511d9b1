// spsolve: A X = B by a sparse direct factorisation, chosen from A, followed by iterative
// refinement in double precision. Pure C++ (no Node).
//
// Method 'auto': Cholesky (CholeskyFactor, LLᵀ) when A is exactly symmetric (pattern and values,
// checked in O(nnz)) with a positive diagonal; when that factorisation meets a pivot that is not
// positive (ERR_NOT_SPD) the same call falls back to LU (LuFactor). Any other A goes to LU.
// 'cholesky' and 'lu' force the method (Cholesky then checks symmetry itself: ERR_NOT_SYMMETRIC).
//
// Iterative refinement (Wilkinson, Moler; see N. J. Higham, "Accuracy and Stability of Numerical
// Algorithms", 2nd ed., SIAM 2002, ch. 12): for each column, r = b − A x with the products
// and sums of each row carried in double-double (an FMA for each product's error, TwoSum for
// each sum's: Ogita–Rump–Oishi's Dot2), rounded to double, then x += A⁻¹ r (double), repeated
// while the new residual is at most half the previous one, for at most `refine` steps. A step
// that does not reduce the residual is undone, so refinement never makes a column worse. With
// the residual in extra precision, refinement converges to the correctly rounded solution when
// κ(A)·ε < 1 (bcsstk19/20, κ₁ ≈ 3e11 / 1e13: x stops changing after 1-2 steps). What remains,
// ‖b − A x‖ of a double x, is bounded below by about ε·‖|A||x|‖ (the rounding of x itself:
// 1.5e-8·‖b‖ and 5.7e-8·‖b‖ there), not by the factorisation. A column whose relative residual
// is already below kRefineFloor is not refined at all.
#pragma once
#include <cstdint>
#include <vector>

#include "../core/control.hpp"
#include "../core/errors.hpp"
#include "../core/ops.hpp"

namespace itersolve {
namespace direct {

enum class DirectMethod : int { Auto = 0, Cholesky = 1, Lu = 2 };
const char* direct_method_name(DirectMethod m);  // "auto" "cholesky" "lu"

struct SpsolveOptions {
  DirectMethod method = DirectMethod::Auto;
  int64_t refine = 3;  // refinement steps at most (0: none)
  double pivot_threshold = 0.1;  // LU's threshold partial pivoting
};

// Relative residual below which a column is not refined.
constexpr double kRefineFloor = 1e-15;

struct SpsolveResult {
  DirectMethod method = DirectMethod::Auto;  // the method used: Cholesky or Lu
  bool fell_back = false;                    // auto: Cholesky failed (not SPD), LU was used
  int64_t refinement_steps = 0;              // the most accepted steps of any column
  std::vector<double> residual_norms;        // ‖b_c − A x_c‖₂ per column at exit (double-double)
  std::vector<double> relative_residuals;    // the same over ‖b_c‖₂ (0 when b_c = 0 and r = 0)
  double residual_norm = 0;                  // the largest of residual_norms
  double relative_residual = 0;              // the largest of relative_residuals
  int64_t nnzL = 0, nnzU = 0;                // of the factor (Cholesky: nnzU = 0)
  const char* ordering = "";                 // the factor's ordering name
  double factor_ms = 0, solve_ms = 0;        // time in the factorisation, in solves + refinement
};

// Whether A (square CSR, any column order within rows, no duplicate entries) equals its
// transpose exactly, pattern and values. O(nnz) time and memory.
bool is_symmetric(const CsrView& A);
// Whether every diagonal entry of A is present and > 0.
bool has_positive_diagonal(const CsrView& A);

// A: n×n CSR (the binding checked the bounds); B, X: n×nrhs column-major (ld n); X may be B.
// Throws SolverError: ERR_NOT_SPD / ERR_NOT_SYMMETRIC (method cholesky), ERR_SINGULAR,
// ABORT_ERR / ERR_TIME_LIMIT from ctl (polled during the factorisation and between steps).
SpsolveResult spsolve(const Engine& e, const CsrView& A, const double* B, int64_t nrhs, double* X,
                      const SpsolveOptions& o, Control* ctl);

}  // namespace direct
}  // namespace itersolve
