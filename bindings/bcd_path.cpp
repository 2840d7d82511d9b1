// Lasso / elastic-net regularisation paths (native/bcd/path.hpp):
//   lassoPath(X0, X1, X2, y, sampleWeight, penaltyFactor, lower, upper, lambdas, coefs, io)
//   lassoPathAsync(..., io, jobOptions)
// X as bindings/bcd_design.hpp reads it (io's `layout` slot). sampleWeight (rows), penaltyFactor,
// lower and upper (cols each; the box bounds as lasso's) are a Float64Array or null. lambdas
// (nLambdas entries) is the caller's grid when io's `givenLambdas` is set, else the output the grid
// is written to; coefs (nLambdas·cols, row-major: one row per λ) is the output. io carries the
// layout::path params, then the layout::path_stats the binding writes at the end (`count`: the λ
// values fitted, fewer than nLambdas when the path was cut short). Resolves to { intercepts,
// objectives, dualGaps, iterations, reasons } (Float64Arrays of `count` entries; reasons as the
// stats' reason index).
#include <limits>
#include <string>
#include <vector>

#include "../native/bcd/path.hpp"
#include "areas.hpp"
#include "bcd_design.hpp"
#include "operation.hpp"
#include "solve_common.hpp"

namespace itersolve {
namespace binding {
namespace {

namespace P = layout::path;
namespace S = layout::path_stats;
namespace BL = layout::bcd_layout;
namespace SE = layout::selection;

constexpr int64_t kMaxDim = std::numeric_limits<int32_t>::max();

bool absent(const Napi::Value& v) { return v.IsNull() || v.IsUndefined(); }

class LassoPathOp {
 public:
  static constexpr const char* kName = "lassoPath";
  static constexpr size_t kArgX0 = 0, kArgY = 3, kArgSw = 4, kArgPf = 5, kArgLower = 6,
                          kArgUpper = 7, kArgLambdas = 8, kArgCoefs = 9, kArgIo = 10,
                          kArgOptions = 11;

  explicit LassoPathOp(Args& a) {
    Napi::Env env = a.env();
    io_ = a.f64(kArgIo, "io", P::kParams + S::kStats).data;
    const double* p = io_;
    const int64_t rows = param_int(env, p[P::rows], "rows", 0, kMaxDim);
    const int64_t cols = param_int(env, p[P::cols], "cols", 0, kMaxDim);
    const int lay = static_cast<int>(param_int(env, p[P::layout], "layout", 0, BL::kCount - 1));
    const int64_t K = param_int(env, p[P::nLambdas], "nLambdas", 1, kMaxDim);
    if (cols > 0 && K > (int64_t{1} << 52) / cols)
      throw_error(env, "ERR_INVALID_ARGUMENT", "nLambdas: nLambdas·cols is too large", "nLambdas");
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
    lambdas_ = a.f64(kArgLambdas, "lambdas", K).data;
    coefs_ = a.f64(kArgCoefs, "coefs", K * cols).data;
    K_ = K;
    cols_ = cols;
    // coefs and lambdas are written while X, y, the weights, the factors and io are read.
    const char* xname = lay == BL::csc ? "values" : "X";
    for (auto out : {std::make_pair(coefs_, K * cols), std::make_pair(lambdas_, K)}) {
      const char* oname = out.first == coefs_ ? "coefs" : "lambdas";
      check_distinct(env, design_values(prob_.X), prob_.X.nnz(), out.first, out.second, oname,
                     xname);
      check_distinct(env, prob_.y, rows, out.first, out.second, oname, "y");
      check_distinct(env, prob_.sample_weight, prob_.sample_weight ? rows : 0, out.first,
                     out.second, oname, "sampleWeight");
      check_distinct(env, prob_.penalty_factor, prob_.penalty_factor ? cols : 0, out.first,
                     out.second, oname, "penaltyFactor");
      check_distinct(env, prob_.lower, prob_.lower ? cols : 0, out.first, out.second, oname,
                     "lower");
      check_distinct(env, prob_.upper, prob_.upper ? cols : 0, out.first, out.second, oname,
                     "upper");
      check_distinct(env, io_, P::kParams + S::kStats, out.first, out.second, oname, "io");
    }
    check_distinct(env, lambdas_, K, coefs_, K * cols, "coefs", "lambdas");

    opt_.n_lambdas = K;
    opt_.lambda_min_ratio = p[P::lambdaMinRatio];
    if (p[P::givenLambdas] != 0) opt_.lambdas = lambdas_;
    bcd::LassoOptions& o = opt_.lasso;
    o.l1_ratio = p[P::l1Ratio];
    o.tol = p[P::tol];
    if (!(o.tol >= 0))
      throw_error(env, "ERR_INVALID_ARGUMENT",
                  "tol: expected a number >= 0, received " + std::to_string(o.tol), "tol");
    o.max_iterations = param_int(env, p[P::maxIterations], "maxIterations", 0, int64_t{1} << 52);
    o.fit_intercept = p[P::fitIntercept] != 0;
    o.positive = p[P::positive] != 0;
    o.selection = static_cast<bcd::Selection>(
        param_int(env, p[P::selection], "selection", 0, SE::kCount - 1));
    o.seed = static_cast<uint64_t>(param_int(env, p[P::seed], "seed", 0, int64_t{1} << 52));
    timeLimitMs_ = param_time_limit(env, p[P::timeLimitMs]);
  }

  void run(const Engine& e, Control& ctl) {
    res_ = bcd::lasso_path(e, prob_, opt_, ctl, coefs_);
    if (opt_.lambdas == nullptr)
      for (int64_t k = 0; k < K_; ++k) lambdas_[k] = res_.lambdas[k];
    double* s = io_ + P::kParams;
    s[S::reason] = static_cast<double>(static_cast<int>(res_.reason));
    s[S::iterations] = static_cast<double>(res_.total_iterations);
    s[S::count] = static_cast<double>(res_.count);
    s[S::lambdaMax] = res_.lambda_max;
    s[S::elapsedMs] = ctl.elapsed_ms();
  }

  Napi::Value result(Napi::Env env) {
    const size_t n = static_cast<size_t>(res_.count);
    std::vector<double> it(n), re(n);
    for (size_t k = 0; k < n; ++k) {
      it[k] = static_cast<double>(res_.iterations[k]);
      re[k] = static_cast<double>(static_cast<int>(res_.reasons[k]));
    }
    Napi::Object o = Napi::Object::New(env);
    o.Set("intercepts", new_f64(env, res_.intercepts.data(), n));
    o.Set("objectives", new_f64(env, res_.objectives.data(), n));
    o.Set("dualGaps", new_f64(env, res_.dual_gaps.data(), n));
    o.Set("iterations", new_f64(env, it.data(), n));
    o.Set("reasons", new_f64(env, re.data(), n));
    return o;
  }
  double time_limit_ms() const { return timeLimitMs_; }

 private:
  bcd::LassoProblem prob_;
  bcd::PathOptions opt_;
  double* lambdas_ = nullptr;
  double* coefs_ = nullptr;
  int64_t K_ = 0, cols_ = 0;
  double* io_ = nullptr;
  double timeLimitMs_ = 0;
  bcd::PathResult res_;
};

}  // namespace

void init_bcd_path(Napi::Env env, Napi::Object exports) {
  export_fn<run_sync<LassoPathOp>>(env, exports, "lassoPath");
  export_fn<start_job<LassoPathOp, LassoPathOp::kArgOptions>>(env, exports, "lassoPathAsync");
}

}  // namespace binding
}  // namespace itersolve
