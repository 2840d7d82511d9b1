// Power iteration: powerIteration(rowPtr, colIdx, values, x, io) and
// powerIterationAsync(rowPtr, colIdx, values, x, io, jobOptions). x holds the start vector and
// receives the dominant eigenvector estimate; io holds the layout::power params then its stats
// (reason, iterations, eigenvalue, change, matvecs, elapsedMs).
#include <limits>
#include <vector>

#include "../native/core/eigen.hpp"
#include "areas.hpp"
#include "operation.hpp"
#include "solve_common.hpp"

namespace itersolve {
namespace binding {
namespace {

constexpr size_t kArgRowPtr = 0, kArgX = 3, kArgIo = 4, kArgOptions = 5;
namespace P = layout::power;
namespace S = layout::power_stats;

class PowerOp {
 public:
  static constexpr const char* kName = "powerIteration";

  explicit PowerOp(Args& a) {
    Napi::Env env = a.env();
    io_ = a.f64(kArgIo, "io", P::kParams + S::kStats).data;
    const double* p = io_;
    const int64_t maxDim = std::numeric_limits<int32_t>::max();
    const int64_t rows = param_int(env, p[P::rows], "rows", 0, maxDim);
    const int64_t cols = param_int(env, p[P::cols], "cols", 0, maxDim);
    A_ = a.csr(kArgRowPtr, rows, cols, p[P::trusted] == 1);
    if (A_.rows != A_.cols) throw_error(env, "ERR_DIMENSION_MISMATCH", square_message(A_), "A");
    x_ = a.f64(kArgX, "out", A_.rows).data;
    opt_.max_iterations = param_int(env, p[P::maxIterations], "maxIterations", 0, int64_t{1} << 52);
    opt_.rtol = p[P::rtol];
    check_tolerances(env, opt_.rtol, 0.0);
    opt_.history = p[P::history] != 0;
    timeLimitMs_ = param_time_limit(env, p[P::timeLimitMs]);
  }

  void run(const Engine& e, Control& ctl) {
    std::vector<double> work(static_cast<size_t>(A_.rows));
    res_ = power_iteration(e, A_, x_, work.data(), opt_, ctl);
    double* s = io_ + P::kParams;
    s[S::reason] = static_cast<double>(static_cast<int>(res_.reason));
    s[S::iterations] = static_cast<double>(res_.iterations);
    s[S::eigenvalue] = res_.value;
    s[S::change] = res_.change;
    s[S::matvecs] = static_cast<double>(res_.matvecs);
    s[S::elapsedMs] = ctl.elapsed_ms();
  }
  Napi::Value result(Napi::Env env) { return history_value(env, res_, opt_.history); }
  double time_limit_ms() const { return timeLimitMs_; }

 private:
  CsrView A_{};
  double* x_ = nullptr;
  double* io_ = nullptr;
  PowerOptions opt_;
  double timeLimitMs_ = 0;
  IterResult res_;
};

}  // namespace

void init_eigen(Napi::Env env, Napi::Object exports) {
  export_fn<run_sync<PowerOp>>(env, exports, "powerIteration");
  export_fn<start_job<PowerOp, kArgOptions>>(env, exports, "powerIterationAsync");
}

}  // namespace binding
}  // namespace itersolve
