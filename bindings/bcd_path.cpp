// Lasso / elastic-net regularisation paths (native/bcd/path.hpp):
//   lassoPath(X0, X1, X2, y, sampleWeight, penaltyFactor, lower, upper, lambdas, coefs, io)
//   lassoPathAsync(..., io, jobOptions)
// X as bindings/bcd_common.hpp reads it (io's `layout` slot). sampleWeight (rows), penaltyFactor,
// lower and upper (cols each; the box bounds as lasso's) are a Float64Array or null. lambdas
// (nLambdas entries) is the caller's grid when io's `givenLambdas` is set, else the output the grid
// is written to; coefs (nLambdas·cols, row-major: one row per λ) is the output. io carries the
// layout::path params, then the layout::path_stats the binding writes at the end (`count`: the λ
// values fitted, fewer than nLambdas when the path was cut short). Resolves to { intercepts,
// objectives, dualGaps, iterations, reasons } (Float64Arrays of `count` entries; reasons as the
// stats' reason index).
#include <vector>

#include "../native/bcd/path.hpp"
#include "areas.hpp"
#include "bcd_common.hpp"

namespace itersolve {
namespace binding {
namespace {

namespace P = layout::path;
namespace S = layout::path_stats;
namespace SE = layout::selection;

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
    const Dims d = read_dims(env, p, P::rows, P::cols, P::layout);
    const int64_t rows = d.rows, cols = d.cols;
    const int64_t K = param_int(env, p[P::nLambdas], "nLambdas", 1, kBcdMaxDim);
    if (cols > 0 && K > (int64_t{1} << 52) / cols)
      throw_error(env, "ERR_INVALID_ARGUMENT", "nLambdas: nLambdas·cols is too large", "nLambdas");
    read_fit_data(a, kArgX0, d, prob_);
    read_optional(a, kArgPf, "penaltyFactor", cols, prob_.penalty_factor,
                  prob_.penalty_factor_length);
    read_optional(a, kArgLower, "lower", cols, prob_.lower, prob_.lower_length);
    read_optional(a, kArgUpper, "upper", cols, prob_.upper, prob_.upper_length);
    lambdas_ = a.f64(kArgLambdas, "lambdas", K).data;
    coefs_ = a.f64(kArgCoefs, "coefs", K * cols).data;
    K_ = K;
    cols_ = cols;
    // coefs and lambdas are written while X, y, the weights, the factors and io are read.
    for (auto out : {std::make_pair(coefs_, K * cols), std::make_pair(lambdas_, K)})
      check_output(env, out.first, out.second, out.first == coefs_ ? "coefs" : "lambdas",
                   {design_input(prob_.X),
                    {prob_.y, rows, "y"},
                    {prob_.sample_weight, rows, "sampleWeight"},
                    {prob_.penalty_factor, cols, "penaltyFactor"},
                    {prob_.lower, cols, "lower"},
                    {prob_.upper, cols, "upper"},
                    {io_, P::kParams + S::kStats, "io"}});
    check_distinct(env, lambdas_, K, coefs_, K * cols, "coefs", "lambdas");

    opt_.n_lambdas = K;
    opt_.lambda_min_ratio = p[P::lambdaMinRatio];
    if (p[P::givenLambdas] != 0) opt_.lambdas = lambdas_;
    bcd::LassoOptions& o = opt_.lasso;
    o.l1_ratio = p[P::l1Ratio];
    o.tol = read_tol(env, p[P::tol]);
    o.max_iterations = read_count(env, p[P::maxIterations], "maxIterations");
    o.fit_intercept = p[P::fitIntercept] != 0;
    o.positive = p[P::positive] != 0;
    o.selection = static_cast<bcd::Selection>(
        param_int(env, p[P::selection], "selection", 0, SE::kCount - 1));
    o.seed = static_cast<uint64_t>(read_count(env, p[P::seed], "seed"));
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
