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
#include <limits>
#include <string>
#include <vector>

#include "../native/bcd/lasso.hpp"
#include "../native/bcd/nnls.hpp"
#include "areas.hpp"
#include "bcd_design.hpp"
#include "operation.hpp"
#include "solve_common.hpp"

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

constexpr int64_t kMaxDim = std::numeric_limits<int32_t>::max();

bool absent(const Napi::Value& v) { return v.IsNull() || v.IsUndefined(); }

class LassoOp {
 public:
  static constexpr const char* kName = "lasso";
  static constexpr size_t kArgX0 = 0, kArgX1 = 1, kArgX2 = 2, kArgY = 3, kArgSw = 4, kArgPf = 5,
                          kArgLower = 6, kArgUpper = 7, kArgCoef = 8, kArgIo = 9, kArgOptions = 10;

  explicit LassoOp(Args& a) {
    Napi::Env env = a.env();
    io_ = a.f64(kArgIo, "io", P::kParams + S::kStats).data;
    const double* p = io_;
    const int64_t rows = param_int(env, p[P::rows], "rows", 0, kMaxDim);
    const int64_t cols = param_int(env, p[P::cols], "cols", 0, kMaxDim);
    const int lay = static_cast<int>(param_int(env, p[P::layout], "layout", 0, BL::kCount - 1));
    prob_.X = read_design(a, kArgX0, rows, cols, lay);
    prob_.y = a.f64(kArgY, "y", rows).data;
    prob_.y_length = rows;
    if (!absent(a[kArgSw])) {
      prob_.sample_weight = a.f64(kArgSw, "sampleWeight", rows).data;
      prob_.sample_weight_length = rows;
    }
    if (!absent(a[kArgPf])) {
      prob_.penalty_factor = a.f64(kArgPf, "penaltyFactor", cols).data;
      prob_.penalty_factor_length = cols;
    }
    if (!absent(a[kArgLower])) {
      prob_.lower = a.f64(kArgLower, "lower", cols).data;
      prob_.lower_length = cols;
    }
    if (!absent(a[kArgUpper])) {
      prob_.upper = a.f64(kArgUpper, "upper", cols).data;
      prob_.upper_length = cols;
    }
    coef_ = a.f64(kArgCoef, "coef", cols).data;
    cols_ = cols;
    // coef is written while X, y, the weights, the factors and io are read.
    check_distinct(env, design_values(prob_.X), prob_.X.nnz(), coef_, cols, "coef",
                   lay == BL::csc ? "values" : "X");
    check_distinct(env, prob_.y, rows, coef_, cols, "coef", "y");
    check_distinct(env, prob_.sample_weight, prob_.sample_weight ? rows : 0, coef_, cols, "coef",
                   "sampleWeight");
    check_distinct(env, prob_.penalty_factor, prob_.penalty_factor ? cols : 0, coef_, cols, "coef",
                   "penaltyFactor");
    check_distinct(env, prob_.lower, prob_.lower ? cols : 0, coef_, cols, "coef", "lower");
    check_distinct(env, prob_.upper, prob_.upper ? cols : 0, coef_, cols, "coef", "upper");
    check_distinct(env, io_, P::kParams + S::kStats, coef_, cols, "coef", "io");

    opt_.lambda = p[P::lambda];
    opt_.l1_ratio = p[P::l1Ratio];
    opt_.tol = p[P::tol];
    if (!(opt_.tol >= 0))
      throw_error(env, "ERR_INVALID_ARGUMENT",
                  "tol: expected a number >= 0, received " + std::to_string(opt_.tol), "tol");
    opt_.max_iterations = param_int(env, p[P::maxIterations], "maxIterations", 0, int64_t{1} << 52);
    opt_.fit_intercept = p[P::fitIntercept] != 0;
    opt_.positive = p[P::positive] != 0;
    opt_.gram = p[P::gram] != 0;
    opt_.selection = static_cast<bcd::Selection>(
        param_int(env, p[P::selection], "selection", 0, SE::kCount - 1));
    opt_.seed = static_cast<uint64_t>(param_int(env, p[P::seed], "seed", 0, int64_t{1} << 52));
    opt_.history = p[P::history] != 0;
    warm_ = p[P::warmStart] != 0;
    timeLimitMs_ = param_time_limit(env, p[P::timeLimitMs]);
  }

  void run(const Engine& e, Control& ctl) {
    res_ = bcd::lasso(e, prob_, opt_, ctl, warm_ ? coef_ : nullptr);
    for (int64_t j = 0; j < cols_ && j < static_cast<int64_t>(res_.coef.size()); ++j)
      coef_[j] = res_.coef[j];
    double* s = io_ + P::kParams;
    s[S::reason] = static_cast<double>(static_cast<int>(res_.reason));
    s[S::iterations] = static_cast<double>(res_.iterations);
    s[S::intercept] = res_.intercept;
    s[S::objective] = res_.objective;
    s[S::dualGap] = res_.dual_gap;
    s[S::tolGap] = res_.tol_gap;
    s[S::outerIterations] = static_cast<double>(res_.outer_iterations);
    s[S::screened] = static_cast<double>(res_.screened);
    s[S::elapsedMs] = ctl.elapsed_ms();
  }

  Napi::Value result(Napi::Env env) {
    Napi::Object o = Napi::Object::New(env);
    if (opt_.history) o.Set("history", new_f64(env, res_.history.data(), res_.history.size()));
    return o;
  }
  double time_limit_ms() const { return timeLimitMs_; }

 private:
  bcd::LassoProblem prob_;
  bcd::LassoOptions opt_;
  double* coef_ = nullptr;
  int64_t cols_ = 0;
  bool warm_ = false;
  double* io_ = nullptr;
  double timeLimitMs_ = 0;
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
    const int64_t rows = param_int(env, p[NP::rows], "rows", 0, kMaxDim);
    const int64_t cols = param_int(env, p[NP::cols], "cols", 0, kMaxDim);
    const int lay = static_cast<int>(param_int(env, p[NP::layout], "layout", 0, BL::kCount - 1));
    A_ = read_design(a, kArgA0, rows, cols, lay);
    b_ = a.f64(kArgB, "b", rows).data;
    rows_ = rows, cols_ = cols;
    x_ = a.f64(kArgX, "x", cols).data;
    check_distinct(env, design_values(A_), A_.nnz(), x_, cols, "x",
                   lay == BL::csc ? "values" : "A");
    check_distinct(env, b_, rows, x_, cols, "x", "b");
    check_distinct(env, io_, NP::kParams + NS::kStats, x_, cols, "x", "io");
    opt_.tol = p[NP::tol];
    if (!(opt_.tol >= 0))
      throw_error(env, "ERR_INVALID_ARGUMENT",
                  "tol: expected a number >= 0, received " + std::to_string(opt_.tol), "tol");
    opt_.max_iterations =
        param_int(env, p[NP::maxIterations], "maxIterations", 0, int64_t{1} << 52);
    opt_.history = p[NP::history] != 0;
    timeLimitMs_ = param_time_limit(env, p[NP::timeLimitMs]);
  }

  void run(const Engine& e, Control& ctl) {
    namespace NP = layout::nnls;
    namespace NS = layout::nnls_stats;
    res_ = bcd::nnls(e, A_, b_, rows_, opt_, ctl);
    for (int64_t j = 0; j < cols_ && j < static_cast<int64_t>(res_.x.size()); ++j)
      x_[j] = res_.x[j];
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

  Napi::Value result(Napi::Env env) {
    Napi::Object o = Napi::Object::New(env);
    if (opt_.history) o.Set("history", new_f64(env, res_.history.data(), res_.history.size()));
    return o;
  }
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
  const int64_t rows = param_int(env, p[P::rows], "rows", 0, kMaxDim);
  const int64_t cols = param_int(env, p[P::cols], "cols", 0, kMaxDim);
  const int lay = static_cast<int>(param_int(env, p[P::layout], "layout", 0, BL::kCount - 1));
  bcd::LassoProblem prob;
  prob.X = read_design(a, 0, rows, cols, lay);
  prob.y = a.f64(3, "y", rows).data;
  prob.y_length = rows;
  if (!absent(a[4])) {
    prob.sample_weight = a.f64(4, "sampleWeight", rows).data;
    prob.sample_weight_length = rows;
  }
  if (!absent(a[5])) {
    prob.penalty_factor = a.f64(5, "penaltyFactor", cols).data;
    prob.penalty_factor_length = cols;
  }
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
