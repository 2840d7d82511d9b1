// Krylov solvers: krylov(rowPtr, colIdx, values, b, x, io[, precond]) and
// krylovAsync(rowPtr, colIdx, values, b, x, io, precond, jobOptions). A matrix-free A is a JS
// object { rows, cols, multiply, multiplyTranspose? } in the rowPtr slot (colIdx and values
// undefined; bindings/linear_operator.hpp).
//
// io (Float64Array) carries every number: the layout::krylov params, read once at the start,
// then the solve stats, written at the end (bindings/layout.hpp). The solution is written in
// place into x. A small solve's call is dominated by unpacking its arguments: numbers read from
// one array cost nothing, and with at most six arguments node-addon-api keeps them on the stack,
// so the common sync call (no preconditioner) passes six. With `trusted` the facade vouches for
// A (a validated CsrMatrix) and for the element types of b and x.
#include <cmath>
#include <limits>
#include <memory>

#include "../native/krylov/krylov.hpp"
#include "areas.hpp"
#include "callback.hpp"
#include "linear_operator.hpp"
#include "operation.hpp"
#include "precond.hpp"
#include "solve_common.hpp"

namespace itersolve {
namespace binding {
namespace {

constexpr size_t kArgRowPtr = 0, kArgB = 3, kArgX = 4, kArgIo = 5, kArgPrecond = 6, kArgOptions = 7;
namespace P = layout::krylov;
namespace M = layout::method;

IterResult run_method(int method, const Engine& e, const LinearOperator& A, const double* b,
                      double* x, const Preconditioner* pc, const SolveOptions& opt, Control& ctl) {
  switch (method) {
    case M::cg: return cg(e, A, b, x, pc, opt, ctl);
    case M::bicgstab: return bicgstab(e, A, b, x, pc, opt, ctl);
    case M::gmres: return gmres(e, A, b, x, pc, opt, ctl);
    case M::minres: return minres(e, A, b, x, pc, opt, ctl);
    case M::gcrotmk: return gcrotmk(e, A, b, x, pc, opt, ctl);
    default: return conjugate_direction(e, A, b, x, pc, opt, ctl);
  }
}

class KrylovOp {
 public:
  static constexpr const char* kName = "krylov";

  explicit KrylovOp(Args& a) {
    Napi::Env env = a.env();
    io_ = a.f64(kArgIo, "io", P::kParams + layout::solve_stats::kStats).data;
    const double* p = io_;
    const int64_t maxDim = std::numeric_limits<int32_t>::max();
    method_ = static_cast<int>(param_int(env, p[P::method], "method", 0, M::kCount - 1));
    const int64_t rows = param_int(env, p[P::rows], "rows", 0, maxDim);
    const int64_t cols = param_int(env, p[P::cols], "cols", 0, maxDim);
    const bool trusted = p[P::trusted] == 1;
    const std::vector<std::pair<size_t, const char*>> pinned{{kArgB, "b"}, {kArgX, "x"}};
    A_ = read_operator(a, kArgRowPtr, "A", rows, cols, trusted, pinned);
    if (A_->rows() != A_->cols())
      throw_error(env, "ERR_DIMENSION_MISMATCH", square_operator_message(*A_), "A");
    const int64_t n = A_->rows();
    b_ = a.f64(kArgB, "b", n, trusted).data;
    x_ = a.f64(kArgX, "x", n, trusted).data;
    check_distinct(env, b_, n, x_, n);

    read_stopping(env, p, {P::rtol, P::atol, P::maxIterations, P::history, P::trueResidualEvery},
                  opt_);
    opt_.restart = static_cast<int>(param_int(env, p[P::restart], "restart", 1, 100000));
    opt_.flexible = p[P::flexible] != 0;
    opt_.memory = static_cast<int>(param_int(env, p[P::memory], "memory", 0, 100000));
    opt_.zero_start = p[P::zeroStart] != 0;
    opt_.recycle = static_cast<int>(param_int(env, p[P::recycle], "recycle", -1, 100000));
    timeLimitMs_ = param_time_limit(env, p[P::timeLimitMs]);

    pa_ = precond_arg(env, a[kArgPrecond], n, p[P::omega], true);
    check_precond_operator(env, pa_, *A_,
                           method_ == M::conjugateDirection ? "oracle" : "preconditioner");
    if (!pa_.fn.IsEmpty()) {
      js_ = std::make_unique<JsPreconditioner>(
          a, pa_.fn, n,
          std::vector<std::pair<size_t, const char*>>{{kArgRowPtr, "rowPtr"},
                                                      {kArgRowPtr + 1, "colIdx"},
                                                      {kArgRowPtr + 2, "values"},
                                                      {kArgB, "b"},
                                                      {kArgX, "x"}});
      pa_.fn = Napi::Function();
    }
    addon_ = &addon(env);
  }

  void run(const Engine& e, Control& ctl) {
    // The JS callback's thread-safe function is released however the solve ends.
    struct End {
      JsPreconditioner* js;
      BoundOperator* op;
      ~End() {
        if (js) js->end();
        op->end();
      }
    } end{js_.get(), A_.get()};
    const int64_t n = A_->rows();
    const double bnorm = require_finite(e, b_, n, "b");
    if (!opt_.zero_start) require_finite(e, x_, n, "x0");
    // The first progress report goes out before the preconditioner is built (an IC(0) build can
    // take longer than the 50 ms a caller waits for it); its value is ‖r0‖ when known.
    krylov::report_start(ctl, opt_, opt_.zero_start ? bnorm : std::nan(""));
    std::shared_ptr<const Preconditioner> pc = resolve_precond(pa_, *A_);
    const Preconditioner* use = js_ ? js_->begin(*addon_) : pc.get();
    res_ = run_method(method_, e, *A_, b_, x_, use, opt_, ctl);
    write_solve_stats(io_ + P::kParams, res_, ctl.elapsed_ms());
  }

  Napi::Value result(Napi::Env env) {
    A_->rethrow();
    if (js_) js_->rethrow();
    return history_value(env, res_, opt_.history);
  }
  double time_limit_ms() const { return timeLimitMs_; }

 private:
  int method_ = M::cg;
  std::unique_ptr<BoundOperator> A_;
  const double* b_ = nullptr;
  double* x_ = nullptr;
  double* io_ = nullptr;
  SolveOptions opt_;
  double timeLimitMs_ = 0;
  PrecondArg pa_;
  std::unique_ptr<JsPreconditioner> js_;
  Addon* addon_ = nullptr;
  IterResult res_;
};

}  // namespace

void init_krylov(Napi::Env env, Napi::Object exports) {
  export_fn<run_sync<KrylovOp>>(env, exports, "krylov");
  export_fn<start_job<KrylovOp, kArgOptions>>(env, exports, "krylovAsync");
}

}  // namespace binding
}  // namespace itersolve
