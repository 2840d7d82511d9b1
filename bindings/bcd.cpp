// Lasso / elastic net by coordinate descent (native/bcd/lasso.hpp):
//   lasso(X0, X1, X2, y, sampleWeight, penaltyFactor, lower, upper, coef, io)
//   lassoAsync(..., io, jobOptions)
// The design X by io's `layout` slot (layout::bcd_layout): colMajor / rowMajor: X0 the dense data
// (rows·cols entries), X1 and X2 unused; csc: X0 colPtr (Int32Array, cols + 1), X1 rowIdx
// (Int32Array), X2 values (Float64Array). sampleWeight (rows) and penaltyFactor (cols) are a
// Float64Array or null; so are lower and upper (cols entries each, ±∞ allowed: the box bounds).
// coef (cols) is the output, and the start when io's `warmStart` is set.
// io carries the layout::lasso params, then the layout::lasso_stats the binding writes at the end
// (the intercept among them). Resolves to { history? } (the duality gap per outer iteration).
//   nnls(A0, A1, A2, b, x, io)   nnlsAsync(..., io, jobOptions)
// Non-negative least squares (native/bcd/nnls.hpp): A by io's `layout` slot as X above, b (rows),
// x (cols) the output; io carries the layout::nnls params then the layout::nnls_stats. Resolves
// to { history? } (the KKT measure per CD epoch / active-set iteration).
#include "../native/bcd/lasso.hpp"
#include "../native/bcd/nnls.hpp"
#include "areas.hpp"
#include "bcd_common.hpp"

namespace itersolve {
namespace binding {
namespace {

namespace P = layout::lasso;
namespace S = layout::lasso_stats;
namespace BL = layout::bcd_layout;
namespace SE = layout::selection;

static_assert(SE::cyclic == static_cast<int>(bcd::Selection::Cyclic) &&
                  SE::random == static_cast<int>(bcd::Selection::Random),
              "layout selections != bcd::Selection");

constexpr FitSlots kLassoSlots = ITERSOLVE_FIT_SLOTS(P, S);

class LassoOp : public CoefFit {
 public:
  static constexpr const char* kName = "lasso";
  static constexpr size_t kArgX0 = 0, kArgX1 = 1, kArgX2 = 2, kArgY = 3, kArgSw = 4, kArgPf = 5,
                          kArgLower = 6, kArgUpper = 7, kArgCoef = 8, kArgIo = 9, kArgOptions = 10;

  explicit LassoOp(Args& a) : CoefFit(a, kArgIo, kLassoSlots) {
    Napi::Env env = a.env();
    const double* p = io_;
    const Dims d = read_dims(env);
    read_fit_data(a, kArgX0, d, prob_);
    read_optional(a, kArgPf, "penaltyFactor", d.cols, prob_.penalty_factor,
                  prob_.penalty_factor_length);
    read_optional(a, kArgLower, "lower", d.cols, prob_.lower, prob_.lower_length);
    read_optional(a, kArgUpper, "upper", d.cols, prob_.upper, prob_.upper_length);
    read_coef(a, kArgCoef, d.cols);
    // coef is written while X, y, the weights, the factors and io are read.
    check_output(env, coef_, d.cols, "coef", fit_data_inputs(prob_),
                 {{prob_.penalty_factor, d.cols, "penaltyFactor"},
                  {prob_.lower, d.cols, "lower"},
                  {prob_.upper, d.cols, "upper"},
                  io_input()});

    opt_.l1_ratio = p[P::l1Ratio];
    opt_.tol = read_tol(env, p[P::tol]);
    read_fit_options(env, opt_);
    opt_.positive = p[P::positive] != 0;
    opt_.gram = p[P::gram] != 0;
    opt_.selection = static_cast<bcd::Selection>(
        param_int(env, p[P::selection], "selection", 0, SE::kCount - 1));
    opt_.seed = static_cast<uint64_t>(read_count(env, p[P::seed], "seed"));
  }

  void run(const Engine& e, Control& ctl) {
    res_ = bcd::lasso(e, prob_, opt_, ctl, warm_start());
    double* s = stats();
    s[S::screened] = static_cast<double>(res_.screened);
    write_fit(res_, ctl.elapsed_ms());
  }

  Napi::Value result(Napi::Env env) { return history_object(env, opt_.history, res_.history); }

 private:
  bcd::LassoProblem prob_;
  bcd::LassoOptions opt_;
  bcd::LassoResult res_;
};

class NnlsOp {
 public:
  static constexpr const char* kName = "nnls";
  static constexpr size_t kArgA0 = 0, kArgB = 3, kArgX = 4, kArgIo = 5, kArgOptions = 6;

  explicit NnlsOp(Args& a) {
    namespace NP = layout::nnls;
    namespace NS = layout::nnls_stats;
    Napi::Env env = a.env();
    io_ = a.f64(kArgIo, "io", NP::kParams + NS::kStats).data;
    const double* p = io_;
    const Dims d = read_dims(env, p, NP::rows, NP::cols, NP::layout);
    A_ = read_design(a, kArgA0, d.rows, d.cols, d.layout);
    b_ = a.f64(kArgB, "b", d.rows).data;
    rows_ = d.rows, cols_ = d.cols;
    x_ = a.f64(kArgX, "x", d.cols).data;
    check_output(env, x_, d.cols, "x",
                 {design_input(A_, "A"), {b_, d.rows, "b"}, {io_, NP::kParams + NS::kStats, "io"}});
    opt_.tol = read_tol(env, p[NP::tol]);
    opt_.max_iterations = read_count(env, p[NP::maxIterations], "maxIterations");
    opt_.history = p[NP::history] != 0;
    timeLimitMs_ = param_time_limit(env, p[NP::timeLimitMs]);
  }

  void run(const Engine& e, Control& ctl) {
    namespace NP = layout::nnls;
    namespace NS = layout::nnls_stats;
    res_ = bcd::nnls(e, A_, b_, rows_, opt_, ctl);
    copy_out(x_, cols_, res_.x);
    double* s = io_ + NP::kParams;
    s[NS::reason] = static_cast<double>(static_cast<int>(res_.reason));
    s[NS::iterations] = static_cast<double>(res_.iterations);
    s[NS::residualNorm] = res_.residual_norm;
    s[NS::objective] = res_.objective;
    s[NS::kkt] = res_.kkt;
    s[NS::kktTarget] = res_.kkt_target;
    s[NS::cdEpochs] = static_cast<double>(res_.cd_epochs);
    s[NS::elapsedMs] = ctl.elapsed_ms();
  }

  Napi::Value result(Napi::Env env) { return history_object(env, opt_.history, res_.history); }
  double time_limit_ms() const { return timeLimitMs_; }

 private:
  bcd::Design A_;
  const double* b_ = nullptr;
  double* x_ = nullptr;
  int64_t rows_ = 0, cols_ = 0;
  bcd::NnlsOptions opt_;
  double* io_ = nullptr;
  double timeLimitMs_ = 0;
  bcd::NnlsResult res_;
};

// lambdaMax(X0, X1, X2, y, sampleWeight, penaltyFactor, io) → number: bcd::lambda_max with io's
// layout::lasso rows, cols, layout, l1Ratio, fitIntercept and positive slots (the rest unread).
Napi::Value LambdaMax(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Args a(info, nullptr);
  const double* p = a.f64(6, "io", P::kParams).data;
  const Dims d = read_dims(env, p, P::rows, P::cols, P::layout);
  bcd::LassoProblem prob;
  read_fit_data(a, 0, d, prob);
  read_optional(a, 5, "penaltyFactor", d.cols, prob.penalty_factor, prob.penalty_factor_length);
  const double lm = bcd::lambda_max(addon(env).engine(), prob, p[P::l1Ratio],
                                    p[P::fitIntercept] != 0, p[P::positive] != 0);
  return Napi::Number::New(env, lm);
}

}  // namespace

void init_bcd(Napi::Env env, Napi::Object exports) {
  export_fn<run_sync<LassoOp>>(env, exports, "lasso");
  export_fn<start_job<LassoOp, LassoOp::kArgOptions>>(env, exports, "lassoAsync");
  export_fn<LambdaMax>(env, exports, "lambdaMax");
  export_fn<run_sync<NnlsOp>>(env, exports, "nnls");
  export_fn<start_job<NnlsOp, NnlsOp::kArgOptions>>(env, exports, "nnlsAsync");
}

}  // namespace binding
}  // namespace itersolve
