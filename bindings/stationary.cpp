// Stationary methods (Jacobi, Gauss-Seidel, SOR, SSOR): stationary(rowPtr, colIdx, values, b, x,
// io) and stationaryAsync(rowPtr, colIdx, values, b, x, io, jobOptions).
//
// Shaped like the Krylov operation (bindings/krylov.cpp): io (Float64Array) carries every number,
// the layout::stationary params, read once at the start, then the solve stats, written at the
// end (bindings/layout.hpp); the solution is written in place into x. With `trusted` the facade
// vouches for A (a validated CsrMatrix) and for the element types of b and x.
#include <cmath>
#include <limits>
#include <string>

#include "../native/stationary/stationary.hpp"
#include "areas.hpp"
#include "operation.hpp"
#include "solve_common.hpp"

namespace itersolve {
namespace binding {
namespace {

constexpr size_t kArgRowPtr = 0, kArgB = 3, kArgX = 4, kArgIo = 5, kArgOptions = 6;
namespace P = layout::stationary;
namespace SM = layout::stationary_method;
namespace SW = layout::sweep;
namespace OR = layout::ordering;

// The layout's lists name the native enums' values in order.
static_assert(SM::jacobi == static_cast<int>(StationaryMethod::Jacobi) &&
                  SM::gaussSeidel == static_cast<int>(StationaryMethod::GaussSeidel) &&
                  SM::sor == static_cast<int>(StationaryMethod::Sor) &&
                  SM::ssor == static_cast<int>(StationaryMethod::Ssor),
              "layout stationary methods != StationaryMethod");
static_assert(SW::forward == static_cast<int>(SweepDirection::Forward) &&
                  SW::backward == static_cast<int>(SweepDirection::Backward) &&
                  SW::symmetric == static_cast<int>(SweepDirection::Symmetric),
              "layout sweeps != SweepDirection");
static_assert(OR::natural == static_cast<int>(SweepOrdering::Natural) &&
                  OR::multicolor == static_cast<int>(SweepOrdering::Multicolor),
              "layout orderings != SweepOrdering");

class StationaryOp {
 public:
  static constexpr const char* kName = "stationary";

  explicit StationaryOp(Args& a) {
    Napi::Env env = a.env();
    io_ = a.f64(kArgIo, "io", P::kParams + layout::solve_stats::kStats).data;
    const double* p = io_;
    const int64_t maxDim = std::numeric_limits<int32_t>::max();
    const int64_t rows = param_int(env, p[P::rows], "rows", 0, maxDim);
    const int64_t cols = param_int(env, p[P::cols], "cols", 0, maxDim);
    const bool trusted = p[P::trusted] == 1;
    A_ = a.csr(kArgRowPtr, rows, cols, trusted);
    if (A_.rows != A_.cols) throw_error(env, "ERR_DIMENSION_MISMATCH", square_message(A_), "A");
    const int64_t n = A_.rows;
    b_ = a.f64(kArgB, "b", n, trusted).data;
    x_ = a.f64(kArgX, "x", n, trusted).data;
    check_distinct(env, b_, n, x_, n);

    params_.method =
        static_cast<StationaryMethod>(param_int(env, p[P::method], "method", 0, SM::kCount - 1));
    params_.sweep =
        static_cast<SweepDirection>(param_int(env, p[P::sweep], "sweep", 0, SW::kCount - 1));
    params_.ordering =
        static_cast<SweepOrdering>(param_int(env, p[P::ordering], "ordering", 0, OR::kCount - 1));
    params_.omega = p[P::omega];
    if (!(params_.omega > 0 && params_.omega < 2))
      throw_error(env, "ERR_INVALID_ARGUMENT",
                  "omega: expected a number in (0, 2), received " + std::to_string(params_.omega),
                  "omega");
    // No trueResidualEvery slot: every iteration ends on the true residual.
    read_stopping(env, p, {P::rtol, P::atol, P::maxIterations, P::history, -1}, opt_);
    opt_.zero_start = p[P::zeroStart] != 0;
    timeLimitMs_ = param_time_limit(env, p[P::timeLimitMs]);
  }

  void run(const Engine& e, Control& ctl) {
    const double bnorm = require_finite(e, b_, A_.rows, "b");
    if (!opt_.zero_start) require_finite(e, x_, A_.rows, "x0");
    // The first progress report goes out before the set-up (the diagonal check, a colouring);
    // its value is ‖r0‖ when known.
    krylov::report_start(ctl, opt_, opt_.zero_start ? bnorm : std::nan(""));
    res_ = itersolve::stationary(e, A_, b_, x_, params_, opt_, ctl);
    write_solve_stats(io_ + P::kParams, res_, ctl.elapsed_ms());
  }

  Napi::Value result(Napi::Env env) { return history_value(env, res_, opt_.history); }
  double time_limit_ms() const { return timeLimitMs_; }

 private:
  CsrView A_{};
  const double* b_ = nullptr;
  double* x_ = nullptr;
  double* io_ = nullptr;
  StationaryParams params_;
  SolveOptions opt_;
  double timeLimitMs_ = 0;
  IterResult res_;
};

}  // namespace

void init_stationary(Napi::Env env, Napi::Object exports) {
  export_fn<run_sync<StationaryOp>>(env, exports, "stationary");
  export_fn<start_job<StationaryOp, kArgOptions>>(env, exports, "stationaryAsync");
}

}  // namespace binding
}  // namespace itersolve
