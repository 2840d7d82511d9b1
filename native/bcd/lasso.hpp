// Lasso and elastic net by coordinate descent (native/bcd/). Pure C++ (no Node).
//
// Objective (scikit-learn's Lasso / ElasticNet, λ playing sklearn's `alpha`), with sample weights
// s (Σ s = S; none: s = 1, S = n) and per-feature penalty factors f_j ≥ 0:
//     P(w, c) = (1/(2S)) Σ_i s_i (y_i − x_iᵀw − c)² + λ Σ_j f_j (a·|w_j| + (1 − a)/2·w_j²),
// a = l1_ratio ∈ [0, 1]. c = 0 without fit_intercept; with it, c is the weighted mean of y − Xw
// (X and y are centred implicitly, with the weighted means: X is never copied, sparse X never
// densified). f_j = 0 leaves w_j unpenalised (also by the ℓ2 part). `positive` constrains w ≥ 0.
// Sample weights act as row multiplicities: integer weights give the solution of the problem
// with each row repeated s_i times.
//
// Method: cyclic coordinate descent (or random selection, seeded) on a working set of features
// (celer / skglm style: the support plus the features whose dual constraint is closest to
// active, twice the support — pruned, it may shrink — never below a floor that doubles whenever
// an outer iteration fails to lower the gap), each subproblem solved to 0.3× the outer gap;
// Anderson extrapolation of the working-set iterates every anderson_every epochs, kept only when it
// lowers the objective; Gap Safe screening with the rescaled-residual dual point (features proved
// zero are set to zero and never visited again). With gram (dense X only, worth it when n ≫ p) the
// Gram matrix XᵀSX (centred) is formed once and a coordinate step costs O(p) instead of O(n).
//
// Stopping rule (scikit-learn's): the duality gap of P, computed as in sklearn's
// enet_coordinate_descent (dual point θ = residual rescaled into the dual-feasible set), is
// ≤ tol·Σ_i s_i (y_i − ȳ)²/S (ȳ = 0 without intercept) → Reason::Tol. Features with f_j = 0
// have no dual constraint in that formula (their gradient is zero at the solution, where the
// gap is exact). With l1_ratio = 0 (ridge) that dual point degenerates (θ = 0, the gap is the
// whole objective), so the exact Fenchel gap with θ = residual is used instead (as with bounds,
// below). Other outcomes: MaxIterations (max_iterations epochs — one epoch is one pass over the
// current working set — spent), Aborted / TimeLimit (ctl.poll() once per epoch; the result then
// holds the current iterate), NonFinite (a non-finite residual or gap: the result holds the last
// finite iterate; entries so large that a column's mean or squared norm overflows: the start,
// with objective and gap +∞, before any epoch).
//
// Box bounds: LassoProblem::lower / upper (cols entries each, ±∞ allowed; null: unbounded) add
// the constraint l_j ≤ w_j ≤ u_j (`positive` raises every l_j to max(l_j, 0)). The coordinate step
// clips the unconstrained 1-D minimiser to [l_j, u_j] (exact for a convex 1-D problem); the start
// (zeros or w0) is clipped too; Anderson extrapolates are projected onto the box. With bounds the
// duality gap is the exact Fenchel gap of P with g_j = λ f_j (a|w| + (1 − a)/2·w²) + ι[l_j, u_j]:
//     gap = P(w) − D(θ),  D(θ) = ⟨θ, y − ȳ⟩_s − ½‖θ‖²_s − Σ_j g_j*(⟨x_j − μ_j, θ⟩_s)   (·1/S)
// at θ = c·r (r the residual), c ≤ 1 the largest scale keeping g_j* finite — only unbounded
// directions of features with no ℓ2 part constrain it (|c·v_j| ≤ λ a f_j S on the unbounded side)
// — so it is an upper bound on P(w) − P* (0 at the optimum, where c = 1). An unpenalised feature
// whose v_j ≠ 0 points to an open side of its box is left out of c (v_j → 0 at the solution) and
// that gap is no bound (as without bounds): Gap Safe screening skips that outer iteration. Unlike
// the unbounded problem, unpenalised features do not turn screening off for good: it runs on the
// features with l_j ≤ 0 ≤ u_j (one side tested per open side of the box; features whose box
// excludes 0 are always in the working set). lambda_max ignores the bounds.
//
// Progress: ctl.progress once per outer iteration (iteration = epochs so far, total =
// max_iterations, value = the duality gap in the objective's scale, fraction from the gap's
// log-distance to tol, as the Krylov solvers do).
//
// λ ≥ lambda_max(...) gives exactly w = 0 (every coordinate step thresholds to zero from the
// zero start; unpenalised features still fitted). Errors (SolverError naming the argument):
// "X" / "y" / "sampleWeight" / "penaltyFactor" non-finite or negative, "lambda" < 0 or
// non-finite, "l1Ratio" outside [0, 1], "y" / "sampleWeight" / "penaltyFactor" / "w0" length not
// matching X (ERR_DIMENSION_MISMATCH), sample weights summing to zero, "gram" with sparse X,
// "lower" / "upper" NaN or wrong length, "lower" above "upper" (after `positive`) or = +∞,
// "upper" = −∞.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "../core/control.hpp"
#include "../core/ops.hpp"
#include "../core/result.hpp"
#include "design.hpp"

namespace itersolve {
namespace bcd {

enum class Selection : int { Cyclic = 0, Random };

struct LassoOptions {
  double lambda = 1.0;  // sklearn's alpha
  double l1_ratio = 1.0;  // 1: lasso
  bool fit_intercept = true;
  bool positive = false;
  double tol = 1e-4;  // sklearn's default
  int64_t max_iterations = 1000;  // epochs
  Selection selection = Selection::Cyclic;
  uint64_t seed = 0;
  // Acceleration (on by default; off gives the same solution, more slowly).
  bool working_set = true;
  int64_t working_set_start = 10;  // features in the first working set (at least)
  bool screening = true;  // Gap Safe
  bool anderson = true;
  int anderson_every = 5;  // extrapolate from this many successive iterates
  bool gram = false;  // precomputed Gram matrix (dense X only)
  bool history = false;  // duality gap (objective scale) after each outer iteration
};

struct LassoProblem {
  Design X;
  const double* y = nullptr;  // rows entries
  const double* sample_weight = nullptr;  // rows entries or null
  const double* penalty_factor = nullptr;  // cols entries or null (all 1)
  const double* lower = nullptr;  // cols entries (−∞ allowed) or null (−∞; 0 with positive)
  const double* upper = nullptr;  // cols entries (+∞ allowed) or null (+∞)
  int64_t y_length = -1, sample_weight_length = -1, penalty_factor_length = -1;  // -1: trusted
  int64_t lower_length = -1, upper_length = -1;
};

struct LassoResult {
  std::vector<double> coef;  // cols entries
  double intercept = 0.0;
  double objective = 0.0;  // P(w, c)
  double dual_gap = 0.0;  // in the objective's scale (sklearn's dual_gap_)
  double tol_gap = 0.0;  // the gap the stopping rule asked for (tol·‖y − ȳ‖²_s/S)
  int64_t iterations = 0;  // epochs
  int64_t outer_iterations = 0;
  int64_t screened = 0;  // features removed by Gap Safe screening
  int64_t anderson_accepted = 0;
  Reason reason = Reason::MaxIterations;
  std::vector<double> history;
};

// A problem validated and centred once (X, y, weights, factors: O(nnz) work) for many fits with
// the same fitIntercept, e.g. along a regularisation path (path.cpp); p must outlive it. Each
// solve() then costs the fit alone. solve(opt, ctl, w0) = lasso(e, p, opt, ctl, w0) when
// opt.fit_intercept is the prepared one (else an error naming "fitIntercept").
class LassoPrepared {
 public:
  LassoPrepared(const Engine& e, const LassoProblem& p, bool fit_intercept);
  ~LassoPrepared();
  LassoPrepared(const LassoPrepared&) = delete;
  LassoPrepared& operator=(const LassoPrepared&) = delete;
  LassoResult solve(const LassoOptions& opt, Control& ctl, const double* w0 = nullptr) const;
  double lambda_max(double l1_ratio, bool positive) const;  // as the free function below

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Solves from w = 0, or from w0 (cols entries) when given.
LassoResult lasso(const Engine& e, const LassoProblem& p, const LassoOptions& opt, Control& ctl,
                  const double* w0 = nullptr);

// The smallest λ with w = 0 the solution: max_j |⟨x_j − μ_j, y − ȳ⟩_s|/(S·a·f_j) over f_j > 0
// (positive: the largest positive correlation, 0 if none), with the unpenalised features (f_j = 0)
// fitted first. +∞ when l1_ratio = 0 (and some correlation is non-zero).
double lambda_max(const Engine& e, const LassoProblem& p, double l1_ratio, bool fit_intercept,
                  bool positive);

}  // namespace bcd
}  // namespace itersolve
