// Randomized sketching: sketchSolve(rowPtr, colIdx, values, b, x, io) and
// sketchSolveAsync(rowPtr, colIdx, values, b, x, io, jobOptions). A is m x n (any shape); io
// holds the layout::sketch params then the solve stats.
#include <limits>

#include "../native/sketch/sketch.hpp"
#include "areas.hpp"
#include "operation.hpp"
#include "solve_common.hpp"

namespace itersolve {
namespace binding {
namespace {

constexpr size_t kArgRowPtr = 0, kArgB = 3, kArgX = 4, kArgIo = 5, kArgOptions = 6;
namespace P = layout::sketch;

class SketchOp {
 public:
  static constexpr const char* kName = "sketchSolve";

  explicit SketchOp(Args& a) {
    Napi::Env env = a.env();
    io_ = a.f64(kArgIo, "io", P::kParams + layout::solve_stats::kStats).data;
    const double* p = io_;
    const int64_t maxDim = std::numeric_limits<int32_t>::max();
    const int64_t rows = param_int(env, p[P::rows], "rows", 0, maxDim);
    const int64_t cols = param_int(env, p[P::cols], "cols", 0, maxDim);
    A_ = a.csr(kArgRowPtr, rows, cols, p[P::trusted] == 1);
    b_ = a.f64(kArgB, "b", A_.rows).data;
    x_ = a.f64(kArgX, "x", A_.cols).data;
    check_distinct(env, b_, A_.rows, x_, A_.cols);
    opt_.kind = static_cast<SketchKind>(param_int(env, p[P::sketch], "sketch", 0, 2));
    opt_.sampling = static_cast<RowSampling>(param_int(env, p[P::sampling], "sampling", 0, 1));
    opt_.block_size = param_int(env, p[P::blockSize], "blockSize", 1, int64_t{1} << 31);
    opt_.seed = static_cast<uint64_t>(param_int(env, p[P::seed], "seed", 0, int64_t{1} << 53));
    read_stopping(env, p, {P::rtol, P::atol, P::maxIterations, P::history, P::trueResidualEvery},
                  opt_, 1);
    timeLimitMs_ = param_time_limit(env, p[P::timeLimitMs]);
  }

  void run(const Engine& e, Control& ctl) {
    require_finite(e, b_, A_.rows, "b");
    require_finite(e, x_, A_.cols, "x0");
    res_ = sketch_solve(e, A_, b_, x_, opt_, ctl);
    write_solve_stats(io_ + P::kParams, res_, ctl.elapsed_ms());
  }
  Napi::Value result(Napi::Env env) { return history_value(env, res_, opt_.history); }
  double time_limit_ms() const { return timeLimitMs_; }

 private:
  CsrView A_{};
  const double* b_ = nullptr;
  double* x_ = nullptr;
  double* io_ = nullptr;
  SketchOptions opt_;
  double timeLimitMs_ = 0;
  IterResult res_;
};

}  // namespace

void init_sketch(Napi::Env env, Napi::Object exports) {
  export_fn<run_sync<SketchOp>>(env, exports, "sketchSolve");
  export_fn<start_job<SketchOp, kArgOptions>>(env, exports, "sketchSolveAsync");
}

}  // namespace binding
}  // namespace itersolve
