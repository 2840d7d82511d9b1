// ℓ1-logistic regression by proximal Newton (native/bcd/logistic.hpp):
//   logisticL1(X0, X1, X2, y, sampleWeight, coef, io)   logisticL1Async(..., io, jobOptions)
// X by io's `layout` slot as in bindings/bcd_design.hpp (read_design). y (rows) holds the labels
// (±1 or 0/1; the native solver checks them), sampleWeight (rows) a Float64Array or null. coef
// (cols) is the output, and the start when io's `warmStart` is set. io carries the
// layout::logistic params, then the layout::logistic_stats the binding writes at the end (the
// intercept and λ_max among them). Resolves to { history? } (the duality gap per outer iteration).
#include <limits>
#include <string>
#include <vector>

#include "../native/bcd/logistic.hpp"
#include "areas.hpp"
#include "bcd_design.hpp"
#include "operation.hpp"
#include "solve_common.hpp"

namespace itersolve {
namespace binding {
namespace {

namespace P = layout::logistic;
namespace S = layout::logistic_stats;
namespace BL = layout::bcd_layout;

constexpr int64_t kMaxDim = std::numeric_limits<int32_t>::max();

class LogisticOp {
 public:
  static constexpr const char* kName = "logisticL1";
  static constexpr size_t kArgX0 = 0, kArgY = 3, kArgSw = 4, kArgCoef = 5, kArgIo = 6,
                          kArgOptions = 7;

  explicit LogisticOp(Args& a) {
    Napi::Env env = a.env();
    io_ = a.f64(kArgIo, "io", P::kParams + S::kStats).data;
    const double* p = io_;
    const int64_t rows = param_int(env, p[P::rows], "rows", 0, kMaxDim);
    const int64_t cols = param_int(env, p[P::cols], "cols", 0, kMaxDim);
    const int lay = static_cast<int>(param_int(env, p[P::layout], "layout", 0, BL::kCount - 1));
    prob_.X = read_design(a, kArgX0, rows, cols, lay);
    prob_.y = a.f64(kArgY, "y", rows).data;
    prob_.y_length = rows;
    if (!a[kArgSw].IsNull() && !a[kArgSw].IsUndefined()) {
      prob_.sample_weight = a.f64(kArgSw, "sampleWeight", rows).data;
      prob_.sample_weight_length = rows;
    }
    coef_ = a.f64(kArgCoef, "coef", cols).data;
    cols_ = cols;
    // coef is written while X, y, the weights and io are read.
    check_distinct(env, design_values(prob_.X), prob_.X.nnz(), coef_, cols, "coef",
                   lay == BL::csc ? "values" : "X");
    check_distinct(env, prob_.y, rows, coef_, cols, "coef", "y");
    check_distinct(env, prob_.sample_weight, prob_.sample_weight ? rows : 0, coef_, cols, "coef",
                   "sampleWeight");
    check_distinct(env, io_, P::kParams + S::kStats, coef_, cols, "coef", "io");

    opt_.lambda = p[P::lambda];
    opt_.tol = p[P::tol];
    if (!(opt_.tol >= 0))
      throw_error(env, "ERR_INVALID_ARGUMENT",
                  "tol: expected a number >= 0, received " + std::to_string(opt_.tol), "tol");
    opt_.max_iterations = param_int(env, p[P::maxIterations], "maxIterations", 0, int64_t{1} << 52);
    opt_.fit_intercept = p[P::fitIntercept] != 0;
    opt_.history = p[P::history] != 0;
    warm_ = p[P::warmStart] != 0;
    timeLimitMs_ = param_time_limit(env, p[P::timeLimitMs]);
  }

  void run(const Engine& e, Control& ctl) {
    res_ = bcd::logistic_l1(e, prob_, opt_, ctl, warm_ ? coef_ : nullptr);
    for (int64_t j = 0; j < cols_ && j < static_cast<int64_t>(res_.coef.size()); ++j)
      coef_[j] = res_.coef[j];
    double* s = io_ + P::kParams;
    s[S::reason] = static_cast<double>(static_cast<int>(res_.reason));
    s[S::iterations] = static_cast<double>(res_.iterations);
    s[S::intercept] = res_.intercept;
    s[S::objective] = res_.objective;
    s[S::dualGap] = res_.dual_gap;
    s[S::tolGap] = res_.tol_gap;
    s[S::lambdaMax] = res_.lambda_max;
    s[S::epochs] = static_cast<double>(res_.epochs);
    s[S::outerIterations] = static_cast<double>(res_.outer_iterations);
    s[S::elapsedMs] = ctl.elapsed_ms();
  }

  Napi::Value result(Napi::Env env) {
    Napi::Object o = Napi::Object::New(env);
    if (opt_.history) o.Set("history", new_f64(env, res_.history.data(), res_.history.size()));
    return o;
  }
  double time_limit_ms() const { return timeLimitMs_; }

 private:
  bcd::LogisticProblem prob_;
  bcd::LogisticOptions opt_;
  double* coef_ = nullptr;
  int64_t cols_ = 0;
  bool warm_ = false;
  double* io_ = nullptr;
  double timeLimitMs_ = 0;
  bcd::LogisticResult res_;
};

}  // namespace

void init_logistic(Napi::Env env, Napi::Object exports) {
  export_fn<run_sync<LogisticOp>>(env, exports, "logisticL1");
  export_fn<start_job<LogisticOp, LogisticOp::kArgOptions>>(env, exports, "logisticL1Async");
}

}  // namespace binding
}  // namespace itersolve
