// Lasso / elastic-net regularisation paths: a loop of warm-started bcd::lasso fits over a
// decreasing λ grid. The contract is in path.hpp.
#include "path.hpp"

#include <cmath>
#include <string>

#include "../core/errors.hpp"

namespace itersolve {
namespace bcd {
namespace {

[[noreturn]] void fail(const char* argument, const std::string& message) {
  throw SolverError("ERR_INVALID_ARGUMENT", std::string(argument) + ": " + message, -1, argument);
}

// numpy's float64 resolution (sklearn's floor for a zero λ_max).
constexpr double kResolution = 1e-15;

// The fits' own progress reports, carried to the path's Control with the path's figures (they
// keep the binding's heartbeat going during a long fit).
struct Forward {
  Control* outer;
  ProgressInfo info;
  static void report(void* self, const ProgressInfo&) {
    Forward* f = static_cast<Forward*>(self);
    f->outer->progress(f->info);
  }
};

}  // namespace

std::vector<double> lambda_grid(double lambda_max, int64_t n, double min_ratio) {
  std::vector<double> g(static_cast<size_t>(n > 0 ? n : 0));
  if (n <= 0) return g;
  if (!(lambda_max > kResolution)) {
    for (double& v : g) v = kResolution;
    return g;
  }
  // geometric: λ_k = λ_max·ratio^(k/(n−1)), ends exact
  const double step = n > 1 ? std::log(min_ratio) / static_cast<double>(n - 1) : 0.0;
  for (int64_t k = 0; k < n; ++k) g[k] = lambda_max * std::exp(step * static_cast<double>(k));
  if (n > 1) g[n - 1] = lambda_max * min_ratio;
  g[0] = lambda_max;
  return g;
}

PathResult lasso_path(const Engine& e, const LassoProblem& p, const PathOptions& opt, Control& ctl,
                      double* coefs) {
  const int64_t K = opt.n_lambdas;
  if (K < 1) fail("nLambdas", "must be ≥ 1, received " + std::to_string(K));
  PathResult res;
  if (opt.lambdas != nullptr) {
    res.lambdas.assign(opt.lambdas, opt.lambdas + K);
    for (int64_t k = 0; k < K; ++k) {
      const double v = res.lambdas[k];
      if (!std::isfinite(v) || v < 0)
        fail("lambdas", "entry " + std::to_string(k) + " must be finite and ≥ 0");
      if (k > 0 && v > res.lambdas[k - 1])
        fail("lambdas", "must be decreasing (non-increasing): entry " + std::to_string(k) +
                            " is larger than entry " + std::to_string(k - 1));
    }
  } else {
    if (!(opt.lambda_min_ratio > 0 && opt.lambda_min_ratio < 1))
      fail("lambdaMinRatio", "must lie in (0, 1)");
    if (!(opt.lasso.l1_ratio > 0))
      fail("l1Ratio", "an automatic λ grid needs l1Ratio > 0 (give lambdas for ridge)");
  }
  // X, y, the weights and factors validated and centred once for the whole path.
  const LassoPrepared prep(e, p, opt.lasso.fit_intercept);
  if (opt.lambdas == nullptr) {
    res.lambda_max = prep.lambda_max(opt.lasso.l1_ratio, opt.lasso.positive);
    res.lambdas = lambda_grid(res.lambda_max, K, opt.lambda_min_ratio);
  }
  const int64_t cols = p.X.cols;
  LassoOptions lo = opt.lasso;
  lo.history = false;

  Forward fwd{&ctl, ProgressInfo{}};
  fwd.info.total = K;
  Control inner = ctl;  // the same flags and deadline (a copy shares them)
  if (ctl.wants_progress()) inner.set_progress(&Forward::report, &fwd, 0.0);

  const double* prev = nullptr;
  for (int64_t k = 0; k < K; ++k) {
    lo.lambda = res.lambdas[k];
    fwd.info.iteration = k;
    fwd.info.value = lo.lambda;
    fwd.info.fraction = static_cast<double>(k) / static_cast<double>(K);
    LassoResult r = prep.solve(lo, inner, prev);
    double* row = coefs + k * cols;
    for (int64_t j = 0; j < cols; ++j) row[j] = r.coef[j];
    prev = row;
    res.intercepts.push_back(r.intercept);
    res.objectives.push_back(r.objective);
    res.dual_gaps.push_back(r.dual_gap);
    res.iterations.push_back(r.iterations);
    res.reasons.push_back(r.reason);
    res.total_iterations += r.iterations;
    res.count = k + 1;
    if (r.reason != Reason::Tol && res.reason == Reason::Tol) res.reason = r.reason;
    if (r.reason == Reason::Aborted || r.reason == Reason::TimeLimit ||
        r.reason == Reason::NonFinite) {
      res.reason = r.reason;  // the path was cut short: that is the outcome
      break;
    }
    fwd.info.iteration = k + 1;
    fwd.info.fraction = static_cast<double>(k + 1) / static_cast<double>(K);
    ctl.progress(fwd.info);
  }
  return res;
}

}  // namespace bcd
}  // namespace itersolve
