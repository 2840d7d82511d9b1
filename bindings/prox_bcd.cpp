// Generic proximal block coordinate descent (native/bcd/prox_bcd.hpp):
//   proxBcd(x, blocks, prox, stepSizes, M, v, fn, io)   proxBcdAsync(..., io, jobOptions)
// x (Float64Array, d entries) holds x0 and receives the solution. blocks: an Int32Array of
// io.blocks + 1 offsets, or null (one block). prox: a Float64Array of io.prox entries of four
// numbers (kind index in layout::prox_kind, lambda, lo, hi). stepSizes: a Float64Array of one η_j
// per block, or null. M and v by io's `smooth` slot: least-squares / logistic: M = A (rows·d
// entries, io.layout colMajor or rowMajor), v = y (rows); quadratic: M = Q (d·d, row-major), v = c
// (d) or null; callback: both null and fn the JS block gradient (x, block, gradOut) => void,
// called inline by the Sync form and through bindings/callback.hpp's thread-safe function by the
// Promise form. io carries the layout::prox_bcd params, then the layout::prox_bcd_stats the
// binding writes at the end. Resolves to { history? } with history { gradientMappingNorm,
// dataPasses, matrixPasses } (Float64Arrays, before the first epoch and after each).
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "../native/bcd/prox_bcd.hpp"
#include "areas.hpp"
#include "bcd_common.hpp"
#include "callback.hpp"
#include "operation.hpp"
#include "solve_common.hpp"

namespace itersolve {
namespace binding {
namespace {

namespace P = layout::prox_bcd;
namespace S = layout::prox_bcd_stats;
namespace SM = layout::prox_smooth;
namespace PK = layout::prox_kind;
namespace V = layout::prox_variance;
namespace BL = layout::bcd_layout;
namespace SE = layout::selection;

static_assert(SM::leastSquares == static_cast<int>(bcd::SmoothKind::LeastSquares) &&
                  SM::logistic == static_cast<int>(bcd::SmoothKind::Logistic) &&
                  SM::quadratic == static_cast<int>(bcd::SmoothKind::Quadratic) &&
                  SM::callback == static_cast<int>(bcd::SmoothKind::Callback),
              "layout prox smooths != bcd::SmoothKind");
static_assert(PK::none == static_cast<int>(bcd::ProxKind::None) &&
                  PK::l1 == static_cast<int>(bcd::ProxKind::L1) &&
                  PK::groupL2 == static_cast<int>(bcd::ProxKind::GroupL2) &&
                  PK::box == static_cast<int>(bcd::ProxKind::Box) &&
                  PK::nonnegative == static_cast<int>(bcd::ProxKind::Nonnegative),
              "layout prox kinds != bcd::ProxKind");
static_assert(V::exact == static_cast<int>(bcd::VarianceKind::Exact) &&
                  V::stochastic == static_cast<int>(bcd::VarianceKind::Stochastic) &&
                  V::recursive == static_cast<int>(bcd::VarianceKind::Recursive),
              "layout prox variances != bcd::VarianceKind");
static_assert(SE::cyclic == static_cast<int>(bcd::Order::Cyclic) &&
                  SE::random == static_cast<int>(bcd::Order::Random),
              "layout selections != bcd::Order");

// The JS block gradient as the native solver sees it.
class JsBlockGradient : public bcd::BlockGradient {
 public:
  explicit JsBlockGradient(JsCallback* cb) : cb_(cb) {}
  bool block_gradient(const double* x, int64_t block, double* out) override {
    return cb_->call(x, block, out);
  }

 private:
  JsCallback* cb_;
};

class ProxBcdOp {
 public:
  static constexpr const char* kName = "proxBcd";
  static constexpr size_t kArgX = 0, kArgBlocks = 1, kArgProx = 2, kArgSteps = 3, kArgM = 4,
                          kArgV = 5, kArgFn = 6, kArgIo = 7, kArgOptions = 8;

  explicit ProxBcdOp(Args& a) {
    Napi::Env env = a.env();
    io_ = a.f64(kArgIo, "io", P::kParams + S::kStats).data;
    const double* p = io_;
    d_ = param_int(env, p[P::d], "d", 1, kBcdMaxDim);
    x_ = a.f64(kArgX, "x0", d_).data;
    check_distinct(env, io_, P::kParams + S::kStats, x_, d_, "x0", "io");

    // blocks: offsets (checked by the solver), copied
    const int64_t m = param_int(env, p[P::blocks], "blocks", 0, d_);
    if (m > 0) {
      const int32_t* b = a.i32(kArgBlocks, "blocks", m + 1).data;
      par_.blocks.assign(b, b + m + 1);
    }
    const int64_t nb = m > 0 ? m : 1;
    // prox entries: (kind, lambda, lo, hi), copied
    const int64_t np = param_int(env, p[P::prox], "prox", 0, nb);
    if (np > 0) {
      const double* q = a.f64(kArgProx, "prox", 4 * np).data;
      for (int64_t j = 0; j < np; ++j) {
        bcd::BlockProx g;
        g.kind = static_cast<bcd::ProxKind>(param_int(env, q[4 * j], "prox", 0, PK::kCount - 1));
        g.lambda = q[4 * j + 1];
        g.lo = q[4 * j + 2];
        g.hi = q[4 * j + 3];
        par_.prox.push_back(g);
      }
    }
    if (!absent(a[kArgSteps])) {
      const double* s = a.f64(kArgSteps, "stepSizes", nb).data;
      par_.step_sizes.assign(s, s + nb);
    }
    par_.backtracking = p[P::backtracking] != 0;
    par_.order = static_cast<bcd::Order>(param_int(env, p[P::order], "order", 0, SE::kCount - 1));
    par_.seed = static_cast<uint64_t>(param_int(env, p[P::seed], "seed", 0, int64_t{1} << 53));
    par_.variance.kind = static_cast<bcd::VarianceKind>(
        param_int(env, p[P::variance], "variance", 0, V::kCount - 1));
    par_.variance.batch_size = param_int(env, p[P::batchSize], "variance", 1, int64_t{1} << 52);
    par_.variance.refresh_every =
        param_int(env, p[P::refreshEvery], "variance", 1, int64_t{1} << 52);
    par_.max_epochs = param_int(env, p[P::maxEpochs], "maxEpochs", 0, int64_t{1} << 52);
    par_.tol = read_tol(env, p[P::tol]);
    par_.history = p[P::history] != 0;
    timeLimitMs_ = param_time_limit(env, p[P::timeLimitMs]);

    const int kind = static_cast<int>(param_int(env, p[P::smooth], "smooth", 0, SM::kCount - 1));
    f_.kind = static_cast<bcd::SmoothKind>(kind);
    if (kind == SM::leastSquares || kind == SM::logistic) {
      const int64_t rows = param_int(env, p[P::rows], "rows", 1, kBcdMaxDim);
      const int lay = static_cast<int>(param_int(env, p[P::layout], "layout", 0, BL::kCount - 1));
      if (lay == BL::csc)
        throw_error(env, "ERR_INVALID_ARGUMENT", "A: expected a dense matrix", "A");
      f_.A.rows = rows;
      f_.A.cols = d_;
      f_.A.col_major = lay == BL::colMajor;
      f_.A.data = a.f64(kArgM, "A", rows * d_).data;
      f_.y = a.f64(kArgV, "y", rows).data;
      check_distinct(env, f_.A.data, rows * d_, x_, d_, "x0", "A");
      check_distinct(env, f_.y, rows, x_, d_, "x0", "y");
    } else if (kind == SM::quadratic) {
      f_.Q = a.f64(kArgM, "Q", d_ * d_).data;
      check_distinct(env, f_.Q, d_ * d_, x_, d_, "x0", "Q");
      if (!absent(a[kArgV])) {
        f_.c = a.f64(kArgV, "c", d_).data;
        check_distinct(env, f_.c, d_, x_, d_, "x0", "c");
      }
    } else {
      Napi::Value fn = a[kArgFn];
      if (!fn.IsFunction())
        throw_error(env, "ERR_INVALID_ARGUMENT", "smooth: expected a function", "smooth");
      JsCallback::Shape shape;
      shape.inLength = d_;
      shape.tagged = true;
      shape.what = "smooth";
      const std::vector<int64_t>& o = par_.blocks;
      for (int64_t j = 0; j < nb; ++j)  // clamped: the solver rejects bad offsets before a call
        shape.outLengths.push_back(
            m > 0 ? std::min<int64_t>(d_, std::max<int64_t>(0, int64_t(o[j + 1]) - o[j])) : d_);
      cb_ = std::make_unique<JsCallback>(
          a, fn.As<Napi::Function>(), shape,
          std::vector<std::pair<size_t, const char*>>{{kArgX, "x0"}, {kArgIo, "io"}});
      grad_ = std::make_unique<JsBlockGradient>(cb_.get());
      f_.callback = grad_.get();
    }
  }

  void run(const Engine&, Control& ctl) {
    // The JS callback's thread-safe function is released however the solve ends.
    struct End {
      JsCallback* cb;
      ~End() {
        if (cb) cb->end();
      }
    } end{cb_.get()};
    res_ = bcd::prox_bcd(f_, x_, d_, par_, ctl);
    double* s = io_ + P::kParams;
    s[S::reason] = static_cast<double>(static_cast<int>(res_.reason));
    s[S::epochs] = static_cast<double>(res_.epochs);
    s[S::gradientMappingNorm] = res_.grad_map_norm;
    s[S::dataPasses] = res_.data_passes;
    s[S::matrixPasses] = res_.matrix_passes;
    s[S::objective] = res_.objective;
    s[S::elapsedMs] = ctl.elapsed_ms();
  }

  Napi::Value result(Napi::Env env) {
    if (cb_) cb_->rethrow();
    Napi::Object o = Napi::Object::New(env);
    if (par_.history) {
      Napi::Object h = Napi::Object::New(env);
      h.Set("gradientMappingNorm", new_f64(env, res_.history.data(), res_.history.size()));
      h.Set("dataPasses", new_f64(env, res_.passes_history.data(), res_.passes_history.size()));
      h.Set("matrixPasses",
            new_f64(env, res_.matrix_passes_history.data(), res_.matrix_passes_history.size()));
      o.Set("history", h);
    }
    return o;
  }
  double time_limit_ms() const { return timeLimitMs_; }

 private:
  bcd::Smooth f_;
  bcd::ProxBcdParams par_;
  double* x_ = nullptr;
  int64_t d_ = 0;
  double* io_ = nullptr;
  double timeLimitMs_ = 0;
  std::unique_ptr<JsCallback> cb_;
  std::unique_ptr<JsBlockGradient> grad_;
  bcd::ProxBcdResult res_;
};

}  // namespace

void init_prox_bcd(Napi::Env env, Napi::Object exports) {
  export_fn<run_sync<ProxBcdOp>>(env, exports, "proxBcd");
  export_fn<start_job<ProxBcdOp, ProxBcdOp::kArgOptions>>(env, exports, "proxBcdAsync");
}

}  // namespace binding
}  // namespace itersolve
