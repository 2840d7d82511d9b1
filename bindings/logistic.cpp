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

constexpr FitSlots kLogisticSlots = ITERSOLVE_FIT_SLOTS(P, S);

class LogisticOp : public CoefFit {
 public:
  static constexpr const char* kName = "logisticL1";
  static constexpr size_t kArgX0 = 0, kArgY = 3, kArgSw = 4, kArgCoef = 5, kArgIo = 6,
                          kArgOptions = 7;

  explicit LogisticOp(Args& a) : CoefFit(a, kArgIo, kLogisticSlots) {
    Napi::Env env = a.env();
    const double* p = io_;
    const Dims d = read_dims(env);
    read_fit_data(a, kArgX0, d, prob_);
    read_coef(a, kArgCoef, d.cols);
    // coef is written while X, y, the weights and io are read.
    check_output(env, coef_, d.cols, "coef", fit_data_inputs(prob_), {io_input()});

    opt_.tol = read_tol(env, p[P::tol]);
    read_fit_options(env, opt_);
  }

  void run(const Engine& e, Control& ctl) {
    res_ = bcd::logistic_l1(e, prob_, opt_, ctl, warm_start());
    double* s = stats();
    s[S::lambdaMax] = res_.lambda_max;
    s[S::epochs] = static_cast<double>(res_.epochs);
    write_fit(res_, ctl.elapsed_ms());
  }

  Napi::Value result(Napi::Env env) { return history_object(env, opt_.history, res_.history); }

 private:
  bcd::LogisticProblem prob_;
  bcd::LogisticOptions opt_;
  bcd::LogisticResult res_;
};

}  // namespace

void init_logistic(Napi::Env env, Napi::Object exports) {
  export_fn<run_sync<LogisticOp>>(env, exports, "logisticL1");
  export_fn<start_job<LogisticOp, LogisticOp::kArgOptions>>(env, exports, "logisticL1Async");
}

}  // namespace binding
}  // namespace itersolve
