// eigsh (native/krylov/eigsh.hpp): eigsh(A0, A1, A2, v0, values, vectors, io) and
// eigshAsync(A0, A1, A2, v0, values, vectors, io, jobOptions). A is a CsrMatrix (rowPtr, colIdx,
// values at A0..A2) or a JS operator { rows, cols, multiply } in the A0 slot (A1, A2 undefined;
// bindings/linear_operator.hpp). v0 is the start vector (n entries) when io's `hasV0` is set,
// else ignored. values (k) and vectors (n×k, column-major) receive the result (also the partial
// one of a stopped run: NaN values and zero vectors where no Ritz pair exists yet). io carries
// the layout::eigsh params, then the layout::eigsh_stats written at the end.
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "../native/krylov/eigsh.hpp"
#include "areas.hpp"
#include "linear_operator.hpp"
#include "operation.hpp"
#include "solve_common.hpp"

namespace itersolve {
namespace binding {
namespace {

constexpr size_t kArgA = 0, kArgV0 = 3, kArgValues = 4, kArgVectors = 5, kArgIo = 6,
                 kArgOptions = 7;
namespace P = layout::eigsh;
namespace S = layout::eigsh_stats;
namespace W = layout::eig_which;

static_assert(W::largest == static_cast<int>(EigWhich::Largest) &&
                  W::smallest == static_cast<int>(EigWhich::Smallest) &&
                  W::nearest == static_cast<int>(EigWhich::Nearest),
              "layout eig_which != EigWhich");

class EigshOp {
 public:
  static constexpr const char* kName = "eigsh";

  explicit EigshOp(Args& a) {
    Napi::Env env = a.env();
    io_ = a.f64(kArgIo, "io", P::kParams + S::kStats).data;
    const double* p = io_;
    const int64_t maxDim = std::numeric_limits<int32_t>::max();
    const int64_t rows = param_int(env, p[P::rows], "rows", 0, maxDim);
    const int64_t cols = param_int(env, p[P::cols], "cols", 0, maxDim);
    const bool trusted = p[P::trusted] == 1;
    A_ = read_operator(a, kArgA, "A", rows, cols, trusted,
                       {{kArgV0, "v0"}, {kArgValues, "values"}, {kArgVectors, "vectors"}});
    if (A_->rows() != A_->cols())
      throw_error(env, "ERR_DIMENSION_MISMATCH", square_operator_message(*A_), "A");
    const int64_t n = A_->rows();
    if (n < 2)
      throw_error(env, "ERR_INVALID_ARGUMENT",
                  "A: eigsh needs n >= 2 (1 <= k < n), got n = " + std::to_string(n), "A");
    which_ = static_cast<EigWhich>(param_int(env, p[P::which], "which", 0, W::kCount - 1));
    opt_.k = param_int(env, p[P::k], "k", 1, n - 1);
    opt_.ncv = param_int(env, p[P::ncv], "ncv", -1, n);
    if (opt_.ncv == 0 || (opt_.ncv > 0 && opt_.ncv <= opt_.k))
      throw_error(env, "ERR_INVALID_ARGUMENT", "ncv: expected an integer in (k, n]", "ncv");
    opt_.tol = p[P::tol];
    if (!(opt_.tol >= 0) || !std::isfinite(opt_.tol))
      throw_error(env, "ERR_INVALID_ARGUMENT", "tol: expected a finite number >= 0", "tol");
    opt_.max_iterations =
        param_int(env, p[P::maxIterations], "maxIterations", -1, int64_t{1} << 52);
    if (opt_.max_iterations == 0)
      throw_error(env, "ERR_INVALID_ARGUMENT", "maxIterations: expected a positive integer",
                  "maxIterations");
    opt_.seed = static_cast<uint64_t>(param_int(env, p[P::seed], "seed", 0, int64_t{1} << 52));
    sigma_ = p[P::sigma];
    if (which_ == EigWhich::Nearest && !std::isfinite(sigma_))
      throw_error(env, "ERR_INVALID_ARGUMENT", "sigma: expected a finite number", "sigma");
    if (p[P::hasV0] != 0) v0_ = a.f64(kArgV0, "v0", n, trusted).data;
    values_ = a.f64(kArgValues, "values", opt_.k, trusted).data;
    vectors_ = a.f64(kArgVectors, "vectors", n * opt_.k, trusted).data;
    timeLimitMs_ = param_time_limit(env, p[P::timeLimitMs]);
  }

  void run(const Engine& e, Control& ctl) {
    struct End {
      BoundOperator* op;
      ~End() { op->end(); }
    } end{A_.get()};
    const int64_t n = A_->rows(), k = opt_.k;
    if (v0_ != nullptr) {
      require_finite(e, v0_, n, "v0");
      opt_.v0 = v0_;
    }
    EigshInfo info;
    EigResult r = eigsh(e, *A_, which_, sigma_, opt_, ctl, &info);
    for (int64_t j = 0; j < k; ++j) values_[j] = r.values[static_cast<size_t>(j)];
    std::copy(r.vectors.begin(), r.vectors.begin() + n * k, vectors_);
    double* s = io_ + P::kParams;
    s[S::reason] = static_cast<double>(static_cast<int>(r.reason));
    s[S::iterations] = static_cast<double>(r.iterations);
    s[S::matvecs] = static_cast<double>(r.matvecs);
    s[S::nconv] = static_cast<double>(r.nconv);
    s[S::shiftInvert] = info.shift_invert ? 1 : 0;
    s[S::sigma] = info.shift_invert ? info.sigma : 0.0;
    s[S::ldlt] = info.ldlt ? 1 : 0;
    s[S::nnzL] = static_cast<double>(info.nnzL);
    s[S::elapsedMs] = ctl.elapsed_ms();
  }

  Napi::Value result(Napi::Env env) {
    A_->rethrow();
    return env.Undefined();
  }
  double time_limit_ms() const { return timeLimitMs_; }

 private:
  std::unique_ptr<BoundOperator> A_;
  EigWhich which_ = EigWhich::Largest;
  double sigma_ = 0.0;
  LanczosOptions opt_;
  const double* v0_ = nullptr;
  double* values_ = nullptr;
  double* vectors_ = nullptr;
  double* io_ = nullptr;
  double timeLimitMs_ = 0;
};

}  // namespace

void init_eigsh(Napi::Env env, Napi::Object exports) {
  export_fn<run_sync<EigshOp>>(env, exports, "eigsh");
  export_fn<start_job<EigshOp, kArgOptions>>(env, exports, "eigshAsync");
}

}  // namespace binding
}  // namespace itersolve
