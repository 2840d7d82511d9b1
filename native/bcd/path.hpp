// Lasso / elastic-net regularisation paths (native/bcd/). Pure C++ (no Node).
//
// The problem of lasso.hpp solved for a decreasing sequence λ_0 ≥ λ_1 ≥ … ≥ λ_{K−1}, each fit by
// bcd::lasso warm-started from the previous λ's coefficients (the first from w = 0), as
// scikit-learn's lasso_path / enet_path. The grid, when the caller gives none, is scikit-learn's
// _alpha_grid: K values log-spaced from λ_max = lambda_max(X, y, l1_ratio, …) down to
// lambda_min_ratio·λ_max (both ends exact; K = 1: λ_max alone); when λ_max ≤ 1e-15 (y has no
// correlation with the penalised features: w = 0 for every λ) every value is 1e-15, as sklearn's.
// An automatic grid needs l1_ratio > 0 (λ_max is +∞ for ridge): "l1Ratio" error otherwise.
//
// One Control across the path: every fit polls it; when one stops with Aborted or TimeLimit (or
// NonFinite) the path ends there and the result holds the λ values fitted so far plus the one
// interrupted (count < K; its row holds the iterate reached, its reason says why). A fit that
// ends with MaxIterations does not end the path (sklearn goes on too; the reason is recorded).
// Progress: one report per λ finished (ProgressInfo iteration = λ values done, total = K, value =
// the λ just fitted, fraction = done / K), and the fits' own reports (if any) are carried through
// as heartbeats with the same figures (the λ being fitted as value).
//
// Errors (SolverError naming the argument): "nLambdas" < 1, "lambdaMinRatio" outside (0, 1),
// "lambdas" negative / non-finite / increasing anywhere (equal neighbours are allowed), "l1Ratio"
// 0 without lambdas; everything lasso() checks (X, y, sampleWeight, penaltyFactor, l1Ratio, tol,
// maxIterations) with its names.
#pragma once
#include <cstdint>
#include <vector>

#include "lasso.hpp"

namespace itersolve {
namespace bcd {

struct PathOptions {
  LassoOptions lasso;  // every field but lambda applies to each fit (history is ignored)
  int64_t n_lambdas = 100;
  double lambda_min_ratio = 1e-3;  // sklearn's eps
  const double* lambdas = nullptr;  // n_lambdas entries, non-increasing, ≥ 0; null: the grid
};

struct PathResult {
  std::vector<double> lambdas;  // the whole grid (n_lambdas entries), even when stopped early
  int64_t count = 0;  // λ values fitted (the first `count` rows of coefs and entries below)
  std::vector<double> intercepts, objectives, dual_gaps;  // count entries
  std::vector<int64_t> iterations;  // epochs per λ (count entries)
  std::vector<Reason> reasons;  // per λ (count entries)
  int64_t total_iterations = 0;
  double lambda_max = 0.0;  // lambda_max(...) when the grid was computed, else 0
  // The first reason that is not Tol (in λ order), else Tol; Aborted / TimeLimit / NonFinite
  // when the path was cut short.
  Reason reason = Reason::Tol;
};

// sklearn's _alpha_grid spacing: n values from lambda_max down to min_ratio·lambda_max (see above).
std::vector<double> lambda_grid(double lambda_max, int64_t n, double min_ratio);

// Fits the path; coefs (n_lambdas·cols entries, row-major: row k holds λ_k's coefficients) is the
// output. Rows from `count` on are left as they were.
PathResult lasso_path(const Engine& e, const LassoProblem& p, const PathOptions& opt, Control& ctl,
                      double* coefs);

}  // namespace bcd
}  // namespace itersolve
