// Optimal transport (native/ot/ot.hpp):
//   sinkhorn(a, b, C, f, g, plan, io)             sinkhornAsync(..., io, jobOptions)
//   sinkhornBatch(A, B, C, F, G, io, stats)       sinkhornBatchAsync(..., stats, jobOptions)
//   sinkhornNewton(a, b, C, f, g, plan, io)       sinkhornNewtonAsync(..., io, jobOptions)
//   emd(a, b, C, f, g, io)                        emdAsync(..., io, jobOptions)
//   costMatrix(X, Y, out, io)
//
// Shaped like the solver bindings (bindings/stationary.cpp): io (Float64Array) carries every
// number, the operation's layout params (bindings/layout.hpp) read once at the start, then the
// layout::ot_stats written at the end (sinkhornBatch: a separate stats array, ot_stats per pair).
// The potentials are written in place into f, g (F, G); a dense plan into `plan` (null: none).
// Each operation resolves to { history? } — sinkhornBatch { history?: Float64Array[] },
// sinkhornNewton with plan 'sparse' and emd also { plan } (the CSR arrays, built on the main
// thread from the native csr::Owned). The values of a, b and C (non-negative, finite, equal
// sums) are checked by the native code (ot::validate), which names the argument; here the
// kinds, lengths, ranges and overlaps.
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "../native/ot/ot.hpp"
#include "areas.hpp"
#include "operation.hpp"
#include "solve_common.hpp"

namespace itersolve {
namespace binding {
namespace {

constexpr int64_t kMaxDim = std::numeric_limits<int32_t>::max();
constexpr int64_t kMaxCount = int64_t{1} << 52;
constexpr int kStats = layout::ot_stats::kStats;
namespace SM = layout::sinkhorn_method;
namespace MT = layout::metric;
namespace PK = layout::plan_kind;

// The layout's lists name the native enums' values in order.
static_assert(SM::automatic == static_cast<int>(ot::SinkhornMethod::Auto) &&
                  SM::scaling == static_cast<int>(ot::SinkhornMethod::Scaling) &&
                  SM::log == static_cast<int>(ot::SinkhornMethod::Log) &&
                  SM::stabilized == static_cast<int>(ot::SinkhornMethod::Stabilized) &&
                  SM::epsilonScaling == static_cast<int>(ot::SinkhornMethod::EpsilonScaling),
              "layout sinkhorn methods != ot::SinkhornMethod");
static_assert(MT::sqeuclidean == static_cast<int>(ot::Metric::SqEuclidean) &&
                  MT::euclidean == static_cast<int>(ot::Metric::Euclidean) &&
                  MT::cityblock == static_cast<int>(ot::Metric::Cityblock),
              "layout metrics != ot::Metric");

// n·m (or n·k) entries: both factors are at most 2^31 − 1, so the product fits in int64; a
// product over 2^52 cannot be a typed array's length anyway.
int64_t product(Napi::Env env, int64_t x, int64_t y, const char* what) {
  const int64_t p = x * y;
  if (p > kMaxCount)
    throw_error(env, "ERR_INVALID_ARGUMENT", std::string(what) + ": too many entries", what);
  return p;
}

// A number in (0, ∞) (ε) or [0, ∞) (tolerances), named in the error.
double param_positive(Napi::Env env, double v, const char* name) {
  if (!(v > 0) || std::isinf(v))
    throw_error(env, "ERR_INVALID_ARGUMENT",
                std::string(name) + ": expected a positive number, received " + std::to_string(v),
                name);
  return v;
}
double param_nonneg(Napi::Env env, double v, const char* name) {
  if (!(v >= 0) || std::isinf(v))
    throw_error(
        env, "ERR_INVALID_ARGUMENT",
        std::string(name) + ": expected a finite number >= 0, received " + std::to_string(v), name);
  return v;
}

// An optional output buffer: null / undefined → nullptr.
double* optional_f64(Args& a, size_t i, const char* name, int64_t length) {
  Napi::Value v = a[i];
  if (v.IsNull() || v.IsUndefined()) return nullptr;
  return a.f64(i, name, length).data;
}

// The arrays one operation reads and writes: no output may overlap an input or another output
// (the methods write f, g and the plan while they still read a, b and C).
struct Buf {
  const double* p;
  int64_t n;
  const char* name;
};
void check_outputs(Napi::Env env, std::initializer_list<Buf> in, std::initializer_list<Buf> out) {
  for (auto o = out.begin(); o != out.end(); ++o) {
    if (o->p == nullptr) continue;
    for (const Buf& i : in) check_distinct(env, i.p, i.n, o->p, o->n, o->name, i.name);
    for (auto q = out.begin(); q != o; ++q)
      if (q->p != nullptr) check_distinct(env, q->p, q->n, o->p, o->n, o->name, q->name);
  }
}

void write_ot_stats(double* s, const ot::OtResult& r, double elapsedMs) {
  namespace st = layout::ot_stats;
  s[st::reason] = static_cast<double>(static_cast<int>(r.reason));
  s[st::iterations] = static_cast<double>(r.iterations);
  s[st::marginalError] = r.marginal_error;
  s[st::cost] = r.cost;
  s[st::objective] = r.objective;
  s[st::method] = static_cast<double>(static_cast<int>(r.method));
  s[st::warmupIterations] = static_cast<double>(r.warmup_iterations);
  s[st::newtonIterations] = static_cast<double>(r.newton_iterations);
  s[st::cgIterations] = static_cast<double>(r.cg_iterations);
  s[st::planNnz] = static_cast<double>(r.plan_nnz);
  s[st::elapsedMs] = elapsedMs;
}

// { history? } for one run.
Napi::Object run_value(Napi::Env env, const ot::OtResult& r, bool history) {
  Napi::Object o = Napi::Object::New(env);
  if (history) o.Set("history", new_f64(env, r.history.data(), r.history.size()));
  return o;
}

// n and m from io: at least 1 each (a histogram has mass somewhere).
std::pair<int64_t, int64_t> sizes(Napi::Env env, const double* p, int ni, int mi) {
  return {param_int(env, p[ni], "n", 1, kMaxDim), param_int(env, p[mi], "m", 1, kMaxDim)};
}

// The first five arguments of every single-problem operation: a (n), b (m), C (n×m), then the
// potentials out f (n), g (m), n and m from the io slots ni, mi; kinds, lengths and overlaps
// checked (an output buffer read later goes through check_plan).
struct ProblemArgs {
  ot::Problem prob;
  double* f = nullptr;
  double* g = nullptr;
  int64_t nm = 0;

  ProblemArgs(Args& a, const double* p, int ni, int mi) {
    Napi::Env env = a.env();
    const auto sz = sizes(env, p, ni, mi);
    const int64_t n = sz.first, m = sz.second;
    nm = product(env, n, m, "C");
    prob = {n, m, a.f64(0, "a", n).data, a.f64(1, "b", m).data, a.f64(2, "C", nm).data};
    f = a.f64(3, "f", n).data;
    g = a.f64(4, "g", m).data;
    check_outputs(env, {{prob.a, n, "a"}, {prob.b, m, "b"}, {prob.C, nm, "C"}},
                  {{f, n, "f"}, {g, m, "g"}});
  }
  // A dense plan buffer ("out", n×m; null: none) must not overlap the inputs or the potentials.
  void check_plan(Napi::Env env, const double* plan) const {
    if (plan == nullptr) return;
    check_outputs(env,
                  {{prob.a, prob.n, "a"},
                   {prob.b, prob.m, "b"},
                   {prob.C, nm, "C"},
                   {f, prob.n, "f"},
                   {g, prob.m, "g"}},
                  {{plan, nm, "out"}});
  }
};

// The io slots of the options sinkhorn and sinkhornBatch share.
struct SinkhornSlots {
  int method, epsilon, tol, maxIterations, checkEvery, history;
};
void read_sinkhorn(Napi::Env env, const double* p, const SinkhornSlots& s, ot::SinkhornOptions& o) {
  o.method =
      static_cast<ot::SinkhornMethod>(param_int(env, p[s.method], "method", 0, SM::kCount - 1));
  o.epsilon = param_positive(env, p[s.epsilon], "epsilon");
  o.tol = param_nonneg(env, p[s.tol], "tol");
  o.max_iterations = param_int(env, p[s.maxIterations], "maxIterations", 0, kMaxCount);
  o.check_every = param_int(env, p[s.checkEvery], "checkEvery", 1, kMaxCount);
  o.history = p[s.history] != 0;
}

// ---- sinkhorn ----------------------------------------------------------------------------------

class SinkhornOp {
 public:
  static constexpr const char* kName = "sinkhorn";
  // a, b, C, f, g: arguments 0-4 (ProblemArgs)
  static constexpr size_t kArgPlan = 5, kArgIo = 6, kArgOptions = 7;

  explicit SinkhornOp(Args& a) {
    namespace P = layout::sinkhorn;
    Napi::Env env = a.env();
    io_ = a.f64(kArgIo, "io", P::kParams + kStats).data;
    const double* p = io_;
    const ProblemArgs in(a, p, P::n, P::m);
    prob_ = in.prob;
    f_ = in.f;
    g_ = in.g;
    plan_ = optional_f64(a, kArgPlan, "out", in.nm);
    in.check_plan(env, plan_);
    read_sinkhorn(
        env, p, {P::method, P::epsilon, P::tol, P::maxIterations, P::checkEvery, P::history}, opt_);
    opt_.warm_start = p[P::warmStart] != 0;
    timeLimitMs_ = param_time_limit(env, p[P::timeLimitMs]);
  }

  void run(const Engine& e, Control& ctl) {
    res_ = ot::sinkhorn(e, prob_, f_, g_, plan_, opt_, ctl);
    write_ot_stats(io_ + layout::sinkhorn::kParams, res_, ctl.elapsed_ms());
  }
  Napi::Value result(Napi::Env env) { return run_value(env, res_, opt_.history); }
  double time_limit_ms() const { return timeLimitMs_; }

 private:
  ot::Problem prob_;
  double* f_ = nullptr;
  double* g_ = nullptr;
  double* plan_ = nullptr;
  double* io_ = nullptr;
  ot::SinkhornOptions opt_;
  double timeLimitMs_ = 0;
  ot::OtResult res_;
};

// ---- sinkhornBatch -----------------------------------------------------------------------------

class SinkhornBatchOp {
 public:
  static constexpr const char* kName = "sinkhornBatch";
  static constexpr size_t kArgA = 0, kArgB = 1, kArgC = 2, kArgF = 3, kArgG = 4, kArgIo = 5,
                          kArgStats = 6, kArgOptions = 7;

  explicit SinkhornBatchOp(Args& a) {
    namespace P = layout::sinkhorn_batch;
    Napi::Env env = a.env();
    const double* p = a.f64(kArgIo, "io", P::kParams).data;
    const auto nm = sizes(env, p, P::n, P::m);
    n_ = nm.first;
    m_ = nm.second;
    k_ = param_int(env, p[P::k], "k", 1, 1 << 20);
    const int64_t nm_ = product(env, n_, m_, "C"), nk = product(env, n_, k_, "A"),
                  mk = product(env, m_, k_, "B");
    A_ = a.f64(kArgA, "A", nk).data;
    B_ = a.f64(kArgB, "B", mk).data;
    C_ = a.f64(kArgC, "C", nm_).data;
    F_ = a.f64(kArgF, "F", nk).data;
    G_ = a.f64(kArgG, "G", mk).data;
    stats_ = a.f64(kArgStats, "stats", kStats * k_).data;
    check_outputs(env, {{A_, nk, "A"}, {B_, mk, "B"}, {C_, nm_, "C"}},
                  {{F_, nk, "F"}, {G_, mk, "G"}, {stats_, kStats * k_, "stats"}});
    read_sinkhorn(
        env, p, {P::method, P::epsilon, P::tol, P::maxIterations, P::checkEvery, P::history}, opt_);
    timeLimitMs_ = param_time_limit(env, p[P::timeLimitMs]);
  }

  void run(const Engine& e, Control& ctl) {
    rs_ = ot::sinkhorn_batch(e, n_, m_, k_, A_, B_, C_, F_, G_, opt_, ctl);
    const double ms = ctl.elapsed_ms();
    for (size_t c = 0; c < rs_.size() && static_cast<int64_t>(c) < k_; ++c)
      write_ot_stats(stats_ + kStats * c, rs_[c], ms);
  }

  Napi::Value result(Napi::Env env) {
    Napi::Object o = Napi::Object::New(env);
    if (opt_.history) {
      Napi::Array arr = Napi::Array::New(env, rs_.size());
      for (size_t c = 0; c < rs_.size(); ++c)
        arr.Set(static_cast<uint32_t>(c),
                new_f64(env, rs_[c].history.data(), rs_[c].history.size()));
      o.Set("history", arr);
    }
    return o;
  }
  double time_limit_ms() const { return timeLimitMs_; }

 private:
  int64_t n_ = 0, m_ = 0, k_ = 0;
  const double* A_ = nullptr;
  const double* B_ = nullptr;
  const double* C_ = nullptr;
  double* F_ = nullptr;
  double* G_ = nullptr;
  double* stats_ = nullptr;
  ot::SinkhornOptions opt_;
  double timeLimitMs_ = 0;
  std::vector<ot::OtResult> rs_;
};

// ---- sinkhornNewton ----------------------------------------------------------------------------

class SinkhornNewtonOp {
 public:
  static constexpr const char* kName = "sinkhornNewton";
  // a, b, C, f, g: arguments 0-4 (ProblemArgs)
  static constexpr size_t kArgPlan = 5, kArgIo = 6, kArgOptions = 7;

  explicit SinkhornNewtonOp(Args& a) {
    namespace P = layout::sinkhorn_newton;
    Napi::Env env = a.env();
    io_ = a.f64(kArgIo, "io", P::kParams + kStats).data;
    const double* p = io_;
    const ProblemArgs in(a, p, P::n, P::m);
    prob_ = in.prob;
    f_ = in.f;
    g_ = in.g;
    planKind_ = static_cast<int>(param_int(env, p[P::plan], "plan", 0, PK::kCount - 1));
    if (planKind_ == PK::dense) plan_ = a.f64(kArgPlan, "out", in.nm).data;
    in.check_plan(env, plan_);
    opt_.epsilon = param_positive(env, p[P::epsilon], "epsilon");
    opt_.tol = param_nonneg(env, p[P::tol], "tol");
    opt_.warmup_iterations =
        param_int(env, p[P::warmupIterations], "warmupIterations", 0, kMaxCount);
    opt_.max_newton_iterations =
        param_int(env, p[P::maxNewtonIterations], "maxNewtonIterations", 0, kMaxCount);
    opt_.sparsity = param_int(env, p[P::sparsity], "sparsity", 1, kMaxDim);
    opt_.cg_rtol = param_nonneg(env, p[P::cgRtol], "cg.rtol");
    opt_.cg_max_iterations =
        param_int(env, p[P::cgMaxIterations], "cg.maxIterations", -1, kMaxCount);
    opt_.sparse_drop_tol = param_nonneg(env, p[P::sparseDropTol], "sparseDropTol");
    opt_.history = p[P::history] != 0;
    opt_.warm_start = p[P::warmStart] != 0;
    timeLimitMs_ = param_time_limit(env, p[P::timeLimitMs]);
  }

  void run(const Engine& e, Control& ctl) {
    res_ = ot::sinkhorn_newton(e, prob_, f_, g_, plan_,
                               planKind_ == PK::sparse ? &sparse_ : nullptr, opt_, ctl);
    write_ot_stats(io_ + layout::sinkhorn_newton::kParams, res_, ctl.elapsed_ms());
  }
  Napi::Value result(Napi::Env env) {
    Napi::Object o = run_value(env, res_, opt_.history);
    if (planKind_ == PK::sparse) o.Set("plan", csr_object(env, sparse_));
    return o;
  }
  double time_limit_ms() const { return timeLimitMs_; }

 private:
  ot::Problem prob_;
  double* f_ = nullptr;
  double* g_ = nullptr;
  double* plan_ = nullptr;
  int planKind_ = PK::none;
  csr::Owned sparse_;
  double* io_ = nullptr;
  ot::NewtonOptions opt_;
  double timeLimitMs_ = 0;
  ot::OtResult res_;
};

// ---- emd ---------------------------------------------------------------------------------------

class EmdOp {
 public:
  static constexpr const char* kName = "emd";
  // a, b, C, f, g: arguments 0-4 (ProblemArgs)
  static constexpr size_t kArgIo = 5, kArgOptions = 6;

  explicit EmdOp(Args& a) {
    namespace P = layout::emd;
    Napi::Env env = a.env();
    io_ = a.f64(kArgIo, "io", P::kParams + kStats).data;
    const double* p = io_;
    const ProblemArgs in(a, p, P::n, P::m);
    prob_ = in.prob;
    f_ = in.f;
    g_ = in.g;
    opt_.max_iterations = param_int(env, p[P::maxIterations], "maxIterations", 0, kMaxCount);
    timeLimitMs_ = param_time_limit(env, p[P::timeLimitMs]);
  }

  void run(const Engine& e, Control& ctl) {
    res_ = ot::emd(e, prob_, f_, g_, plan_, opt_, ctl);
    write_ot_stats(io_ + layout::emd::kParams, res_, ctl.elapsed_ms());
  }
  Napi::Value result(Napi::Env env) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("plan", csr_object(env, plan_));
    return o;
  }
  double time_limit_ms() const { return timeLimitMs_; }

 private:
  ot::Problem prob_;
  double* f_ = nullptr;
  double* g_ = nullptr;
  csr::Owned plan_;
  double* io_ = nullptr;
  ot::EmdOptions opt_;
  double timeLimitMs_ = 0;
  ot::OtResult res_;
};

// ---- costMatrix (Sync only: one pass, no iteration to poll) -------------------------------------

Napi::Value CostMatrix(const Napi::CallbackInfo& info) {
  namespace P = layout::cost_matrix;
  Napi::Env env = info.Env();
  const double* p = get_f64(info, 3, "io", P::kParams).data;
  const int64_t n = param_int(env, p[P::n], "n", 0, kMaxDim);
  const int64_t m = param_int(env, p[P::m], "m", 0, kMaxDim);
  const int64_t d = param_int(env, p[P::d], "d", 1, kMaxDim);
  const auto metric =
      static_cast<ot::Metric>(param_int(env, p[P::metric], "metric", 0, MT::kCount - 1));
  const int64_t nd = product(env, n, d, "X"), md = product(env, m, d, "Y"),
                nm = product(env, n, m, "out");
  const Span<double> X = get_f64(info, 0, "X", nd);
  const Span<double> Y = get_f64(info, 1, "Y", md);
  const Span<double> out = get_f64(info, 2, "out", nm);
  check_outputs(env, {{X.data, nd, "X"}, {Y.data, md, "Y"}}, {{out.data, nm, "out"}});
  ot::cost_matrix(addon(env).engine(), n, m, d, X.data, Y.data, metric, out.data);
  return info[2];
}

}  // namespace

void init_ot(Napi::Env env, Napi::Object exports) {
  export_fn<run_sync<SinkhornOp>>(env, exports, "sinkhorn");
  export_fn<start_job<SinkhornOp, SinkhornOp::kArgOptions>>(env, exports, "sinkhornAsync");
  export_fn<run_sync<SinkhornBatchOp>>(env, exports, "sinkhornBatch");
  export_fn<start_job<SinkhornBatchOp, SinkhornBatchOp::kArgOptions>>(env, exports,
                                                                      "sinkhornBatchAsync");
  export_fn<run_sync<SinkhornNewtonOp>>(env, exports, "sinkhornNewton");
  export_fn<start_job<SinkhornNewtonOp, SinkhornNewtonOp::kArgOptions>>(env, exports,
                                                                        "sinkhornNewtonAsync");
  export_fn<run_sync<EmdOp>>(env, exports, "emd");
  export_fn<start_job<EmdOp, EmdOp::kArgOptions>>(env, exports, "emdAsync");
  export_fn<CostMatrix>(env, exports, "costMatrix");
}

}  // namespace binding
}  // namespace itersolve
