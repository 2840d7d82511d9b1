// Batched CG: cgBatch(rowPtr, colIdx, values, B, X, io, stats[, precond]) and
// cgBatchAsync(rowPtr, colIdx, values, B, X, io, stats, precond, jobOptions).
// B and X are n x k column-major; io holds the layout::batch params; stats gets
// layout::solve_stats per column. A matrix-free A is a JS object { rows, cols, multiply } in the
// rowPtr slot (bindings/linear_operator.hpp; one product per running column). The preconditioner is
// a kind string or a built one (one preconditioner serves every column; a JS function is not
// accepted here).
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "../native/krylov/krylov.hpp"
#include "areas.hpp"
#include "linear_operator.hpp"
#include "operation.hpp"
#include "precond.hpp"
#include "solve_common.hpp"

namespace itersolve {
namespace binding {
namespace {

constexpr size_t kArgRowPtr = 0, kArgB = 3, kArgX = 4, kArgIo = 5, kArgStats = 6, kArgPrecond = 7,
                 kArgOptions = 8;
namespace P = layout::batch;
constexpr int kStats = layout::solve_stats::kStats;

class BatchOp {
 public:
  static constexpr const char* kName = "cgBatch";

  explicit BatchOp(Args& a) {
    Napi::Env env = a.env();
    const double* p = a.f64(kArgIo, "io", P::kParams).data;
    const int64_t maxDim = std::numeric_limits<int32_t>::max();
    const int64_t rows = param_int(env, p[P::rows], "rows", 0, maxDim);
    const int64_t cols = param_int(env, p[P::cols], "cols", 0, maxDim);
    const bool trusted = p[P::trusted] == 1;
    A_ = read_operator(a, kArgRowPtr, "A", rows, cols, trusted, {{kArgB, "B"}, {kArgX, "X"}});
    if (A_->rows() != A_->cols())
      throw_error(env, "ERR_DIMENSION_MISMATCH", square_operator_message(*A_), "A");
    const int64_t n = A_->rows();
    k_ = param_int(env, p[P::k], "k", 1, 1 << 20);
    if (n > 0 && k_ > (int64_t{1} << 52) / n)
      throw_error(env, "ERR_INVALID_ARGUMENT", "k: too many columns", "k");
    B_ = a.f64(kArgB, "B", n * k_).data;
    X_ = a.f64(kArgX, "X", n * k_).data;
    check_distinct(env, B_, n * k_, X_, n * k_, "out", "B");
    stats_ = a.f64(kArgStats, "stats", kStats * k_).data;
    read_stopping(env, p, {P::rtol, P::atol, P::maxIterations, P::history, P::trueResidualEvery},
                  opt_);
    timeLimitMs_ = param_time_limit(env, p[P::timeLimitMs]);
    pa_ = precond_arg(env, a[kArgPrecond], n, p[P::omega], false);
    check_precond_operator(env, pa_, *A_);
  }

  void run(const Engine& e, Control& ctl) {
    struct End {  // a JS operator's thread-safe function is released however the solve ends
      BoundOperator* op;
      ~End() { op->end(); }
    } end{A_.get()};
    const int64_t n = A_->rows();
    require_finite(e, B_, n * k_, "B");
    require_finite(e, X_, n * k_, "x0");
    krylov::report_start(ctl, opt_, std::nan(""));  // before the preconditioner build
    std::shared_ptr<const Preconditioner> pc = resolve_precond(pa_, *A_);
    rs_ = cg_batch(e, *A_, B_, X_, k_, pc.get(), opt_, ctl);
    const double ms = ctl.elapsed_ms();
    for (size_t c = 0; c < rs_.size(); ++c) write_solve_stats(stats_ + kStats * c, rs_[c], ms);
  }

  Napi::Value result(Napi::Env env) {
    A_->rethrow();
    if (!opt_.history) return env.Undefined();
    Napi::Array arr = Napi::Array::New(env, rs_.size());
    for (size_t c = 0; c < rs_.size(); ++c)
      arr.Set(static_cast<uint32_t>(c), new_f64(env, rs_[c].history.data(), rs_[c].history.size()));
    return arr;
  }
  double time_limit_ms() const { return timeLimitMs_; }

 private:
  std::unique_ptr<BoundOperator> A_;
  int64_t k_ = 0;
  const double* B_ = nullptr;
  double* X_ = nullptr;
  double* stats_ = nullptr;
  SolveOptions opt_;
  double timeLimitMs_ = 0;
  PrecondArg pa_;
  std::vector<IterResult> rs_;
};

}  // namespace

void init_batch(Napi::Env env, Napi::Object exports) {
  export_fn<run_sync<BatchOp>>(env, exports, "cgBatch");
  export_fn<start_job<BatchOp, kArgOptions>>(env, exports, "cgBatchAsync");
}

}  // namespace binding
}  // namespace itersolve
