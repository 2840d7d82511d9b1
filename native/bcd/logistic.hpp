// ℓ1-regularised logistic regression by proximal Newton with working sets (native/bcd/).
// Pure C++ (no Node).
//
// Objective (mean log-loss + λ‖w‖₁; labels y_i ∈ {−1, +1}, or 0/1 read as −1/+1), with sample
// weights s (Σ s = S; none: s = 1, S = n):
//     P(w, c) = (1/S) Σ_i s_i log(1 + exp(−y_i (x_iᵀw + c))) + λ‖w‖₁.
// c is an explicit, unpenalised intercept (0 without fit_intercept; X is never centred or
// copied, sparse X never densified). scikit-learn's LogisticRegression(penalty='l1', C) minimises
// C·Σ_i s_i log(1 + exp(−y_i(x_iᵀw + c))) + ‖w‖₁, i.e. C·S·P with λ = 1/(C·S) (1/(C·n) without
// weights). Sample weights act as row multiplicities.
//
// Method (glmnet / celer / skglm style): an outer loop picks a working set W of features — the
// support plus the features whose dual constraint is closest to active (|x_jᵀθ|/λ largest,
// measured as (1 − |x_jᵀθ|/λ)/‖x_j‖), twice the support, never below a floor that doubles when an
// outer iteration fails to lower the gap — and runs proximal Newton steps on W: each builds the
// quadratic model of the log-loss at the current (w, c) (Hessian weights s_i·p_i(1 − p_i),
// p_i = σ(x_iᵀw + c)), minimises model + λ‖w_W‖₁ by cyclic coordinate descent over W (and c) to
// a KKT violation ≤ min(0.3, v/v₀)·v (v the violation it started from, v₀ the run's first; never
// below 1e-13 of the gradients' scale; at most max_epochs_per_step epochs), then backtracks
// (Armijo) on the true objective along the Newton direction; once the decrease is below the
// rounding of P the unit step is taken while it keeps lowering the gap. Newton steps on W stop
// when the gap restricted to W is ≤ 0.3× the outer gap. With fit_intercept the intercept is
// brought to its 1-D optimum (Newton) before each gap, so the dual constraint Σ s_i θ_i = 0 holds.
//
// Stopping rule: the duality gap P(w, c) − D(θ) ≤ tol·P₀ → Reason::Tol, where P₀ = the objective
// at w = 0 with the best intercept: log 2 without intercept; with it the binary entropy
// −(p̄ log p̄ + (1 − p̄) log(1 − p̄)) of the weighted share p̄ of positive labels (≤ log 2). The dual
// point is the rescaled gradient of the log-loss: θ_i = −y_i σ(−y_i z_i) (z = Xw + c; with an
// intercept minus a multiple of s_i p_i(1 − p_i) that makes Σ s_i θ_i = 0 exact), times
// min(1, λ/‖Xᵀ(sθ)/S‖∞); D(θ) = −(1/S) Σ s_i [q_i log q_i + (1 − q_i) log(1 − q_i)], q_i = −y_i θ_i
// ∈ [0, 1]. Other outcomes: MaxIterations (max_iterations Newton steps spent), Aborted / TimeLimit
// (ctl.poll() once per coordinate-descent epoch; the result holds the current iterate),
// Stagnation (with every feature in the working set, no Newton step lowers the objective any more
// while the gap is above tol: the rounding floor), NonFinite (a non-finite objective or gap: the
// last finite iterate is returned). ctl.progress once per outer iteration: iteration = Newton
// steps so far, total = max_iterations, value = the gap, fraction on a log scale from the first
// gap towards tol·P₀ (krylov::progress_fraction).
//
// λ = 0 (plain logistic regression) is allowed, but the only dual-feasible point is then θ = 0 in
// general, so the gap is P itself: such a run ends on tol only when P ≤ tol·P₀ (separable data),
// else by Stagnation / MaxIterations; with separable data and λ = 0 the weights grow without
// bound (as for any logistic fit without penalty).
//
// λ ≥ lambda_max gives exactly w = 0 (no iteration runs; c = log(p̄/(1 − p̄)) with an intercept).
// λ_max = ‖Xᵀ(s ∘ (1{y = +1} − p̄))‖∞/S with an intercept, ‖Xᵀ(s ∘ y)‖∞/(2S) without (the gradient
// of the mean log-loss at w = 0 and the best intercept). Log-loss and sigmoid are evaluated
// without overflow (log(1 + e^t) = max(t, 0) + log1p(e^{−|t|})).
//
// Errors (SolverError naming the argument): "X" (validate()), "X" without rows; "y" of the wrong
// length (ERR_DIMENSION_MISMATCH), non-finite, or labels that are not all in {−1, +1} or all in
// {0, 1}; "y" with one class only (weighted) when fit_intercept (the intercept would diverge);
// "sampleWeight" of the wrong length, non-finite or negative, or summing to zero; "lambda" < 0
// or non-finite; "tol" < 0; "maxIterations" < 0; "w0" non-finite.
#pragma once
#include <cstdint>
#include <vector>

#include "../core/control.hpp"
#include "../core/ops.hpp"
#include "../core/result.hpp"
#include "design.hpp"

namespace itersolve {
namespace bcd {

struct LogisticOptions {
  double lambda = 1.0;  // 1/(C·n) in sklearn's terms
  bool fit_intercept = true;
  double tol = 1e-4;  // gap ≤ tol·P₀
  int64_t max_iterations = 100;  // proximal Newton steps (sklearn's max_iter default)
  int64_t max_epochs_per_step = 1000;  // coordinate-descent epochs inside one Newton step
  bool working_set = true;  // off: W = every feature (the same solution)
  int64_t working_set_start = 10;
  bool history = false;  // duality gap after each outer iteration
};

struct LogisticProblem {
  Design X;
  const double* y = nullptr;  // rows entries, ±1 or 0/1
  const double* sample_weight = nullptr;  // rows entries or null
  int64_t y_length = -1, sample_weight_length = -1;  // -1: trusted
};

struct LogisticResult {
  std::vector<double> coef;  // cols entries
  double intercept = 0.0;
  double objective = 0.0;  // P(w, c)
  double dual_gap = 0.0;  // P − D, objective units
  double tol_gap = 0.0;  // tol·P₀, the gap the stopping rule asked for
  double lambda_max = 0.0;
  int64_t iterations = 0;  // proximal Newton steps
  int64_t epochs = 0;  // coordinate-descent epochs (over working sets) in all
  int64_t outer_iterations = 0;  // working sets built
  Reason reason = Reason::MaxIterations;
  std::vector<double> history;
};

// Solves from w = 0 (c = the best intercept at w = 0), or from w0 (cols entries) when given.
LogisticResult logistic_l1(const Engine& e, const LogisticProblem& p, const LogisticOptions& opt,
                           Control& ctl, const double* w0 = nullptr);

// λ_max as above (validates X, y, the weights as logistic_l1 does).
double logistic_lambda_max(const Engine& e, const LogisticProblem& p, bool fit_intercept);

}  // namespace bcd
}  // namespace itersolve
