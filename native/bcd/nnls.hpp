// Non-negative least squares (native/bcd/). Pure C++ (no Node).
//
//     minimise ½‖Ax − b‖₂²  subject to  x ≥ 0          (scipy.optimize.nnls)
//
// A is a Design (dense column- or row-major, or CSC), m×n. Method: cyclic coordinate descent on
// x ≥ 0 (x_j ← max(0, x_j + ⟨a_j, r⟩/‖a_j‖²), r = b − Ax) until its support has stopped changing,
// then the Lawson–Hanson active-set method started from that support (the "passive set") — each
// step an exact least-squares solve on the passive columns by Householder QR (no normal
// equations: the conditioning is not squared) plus one step of iterative refinement. A warm
// support that is rank-deficient (or wider than m) is dropped and Lawson–Hanson restarts from
// x = 0, as scipy does. The result is then exact to rounding: it is the solution scipy returns.
//
// Optimality measure (kkt): with g = Aᵀ(Ax − b), the projected gradient's ∞-norm
//     kkt = max( max_{x_j > 0} |g_j|,  max_{x_j = 0} max(0, −g_j) ),
// zero exactly at the solution. Stop (Reason::Tol) when kkt ≤ tol·‖Aᵀb‖_∞ (the measure at
// x = 0; with Aᵀb = 0 and so x = 0 optimal, when kkt = 0). Lawson–Hanson adds a column only while
// its −g_j exceeds that threshold. Other outcomes: MaxIterations (max_iterations CD epochs plus
// active-set iterations spent; default 3n + 50, scipy's 3n for the active set), Aborted /
// TimeLimit (ctl.poll() once per epoch / active-set iteration; the result holds the current
// feasible iterate), progress once per epoch / iteration (value = kkt, throttled by Control).
//
// Errors (SolverError naming the argument): "A" non-finite or malformed (ERR_INVALID_ARGUMENT /
// ERR_INVALID_MATRIX), "b" non-finite or its length ≠ m (ERR_DIMENSION_MISMATCH), "tol" < 0,
// "maxIterations" < 0.
#pragma once
#include <cstdint>
#include <vector>

#include "../core/control.hpp"
#include "../core/ops.hpp"
#include "../core/result.hpp"
#include "design.hpp"

namespace itersolve {
namespace bcd {

struct NnlsOptions {
  double tol = 1e-10;  // on kkt relative to ‖Aᵀb‖_∞
  int64_t max_iterations = -1;  // CD epochs + active-set iterations; −1: 3n + 50
  bool history = false;  // kkt after each CD epoch and each active-set iteration
};

struct NnlsResult {
  std::vector<double> x;  // n entries, ≥ 0
  double residual_norm = 0.0;  // ‖Ax − b‖₂ (scipy's rnorm)
  double objective = 0.0;  // ½‖Ax − b‖²
  double kkt = 0.0;  // the projected-gradient measure above
  double kkt_target = 0.0;  // tol·‖Aᵀb‖_∞
  int64_t iterations = 0;  // CD epochs + active-set iterations
  int64_t cd_epochs = 0, active_set_iterations = 0;
  Reason reason = Reason::MaxIterations;
  std::vector<double> history;
};

// b has b_length entries (−1: trusted to be A.rows).
NnlsResult nnls(const Engine& e, const Design& A, const double* b, int64_t b_length,
                const NnlsOptions& opt, Control& ctl);

}  // namespace bcd
}  // namespace itersolve
