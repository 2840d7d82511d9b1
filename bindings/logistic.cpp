// ℓ1-logistic regression by proximal Newton (native/bcd/logistic.hpp):
//   logisticL1(X0, X1, X2, y, sampleWeight, coef, io)   logisticL1Async(..., io, jobOptions)
// X by io's `layout` slot as in bindings/bcd_common.hpp (read_design). y (rows) holds the labels
// (±1 or 0/1; the native solver checks them), sampleWeight (rows) a Float64Array or null. coef
// (cols) is the output, and the start when io's `warmStart` is set. io carries the
// layout::logistic params, then the layout::logistic_stats the binding writes at the end (the
// intercept and λ_max among them). Resolves to { history? } (the duality gap per outer iteration).
#include "../native/bcd/logistic.hpp"
#include "areas.hpp"
#include "bcd_common.hpp"

namespace itersolve {
namespace binding {
namespace {

namespace P = layout::logistic;
namespace S = layout::logistic_stats;

constexpr FitStatSlots kLogisticStats{S::reason,  S::iterations, S::intercept,       S::objective,
                                      S::dualGap, S::tolGap,     S::outerIterations, S::elapsedMs};

class LogisticOp {
 public:
  static constexpr const char* kName = "logisticL1";
  static constexpr size_t kArgX0 = 0, kArgY = 3, kArgSw = 4, kArgCoef = 5, kArgIo = 6,
                          kArgOptions = 7;

  explicit LogisticOp(Args& a) {
    Napi::Env env = a.env();
    io_ = a.f64(kArgIo, "io", P::kParams + S::kStats).data;
    const double* p = io_;
    const Dims d = read_dims(env, p, P::rows, P::cols, P::layout);
    read_fit_data(a, kArgX0, d, prob_);
    coef_ = a.f64(kArgCoef, "coef", d.cols).data;
    cols_ = d.cols;
    // coef is written while X, y, the weights and io are read.
    check_output(env, coef_, d.cols, "coef",
                 {design_input(prob_.X),
                  {prob_.y, d.rows, "y"},
                  {prob_.sample_weight, d.rows, "sampleWeight"},
                  {io_, P::kParams + S::kStats, "io"}});

    opt_.lambda = p[P::lambda];
    opt_.tol = read_tol(env, p[P::tol]);
    opt_.max_iterations = read_count(env, p[P::maxIterations], "maxIterations");
    opt_.fit_intercept = p[P::fitIntercept] != 0;
    opt_.history = p[P::history] != 0;
    warm_ = p[P::warmStart] != 0;
    timeLimitMs_ = param_time_limit(env, p[P::timeLimitMs]);
  }

  void run(const Engine& e, Control& ctl) {
    res_ = bcd::logistic_l1(e, prob_, opt_, ctl, warm_ ? coef_ : nullptr);
    copy_out(coef_, cols_, res_.coef);
    double* s = io_ + P::kParams;
    s[S::lambdaMax] = res_.lambda_max;
    s[S::epochs] = static_cast<double>(res_.epochs);
    write_fit_stats(s, kLogisticStats, res_, ctl.elapsed_ms());
  }

  Napi::Value result(Napi::Env env) { return history_object(env, opt_.history, res_.history); }
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
