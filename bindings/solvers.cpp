// Bindings of the Krylov solvers, preconditioners, the conjugate-direction method, batched CG and
// sketching. Every solver has a synchronous entry (runs on the calling thread) and an async one
// (a Job on the addon's job-runner threads). Results travel back through a small caller-allocated
// Float64Array of stats (for the Krylov entries, the tail of the `io` array that also brought the
// numeric options) the facade turns into the result object (cheaper than building a JS object
// here, which matters for the many-small-solves use case); the solution is written in place into
// the caller's `x`.
//
// A preconditioner argument is one of: null (none); a kind string ("jacobi", "ssor", "ic0",
// "ilu0") built for this solve (inside the Job for async solves, off the event loop); a
// NativePreconditioner object built once and shared by any number of solves; or a JS function
// (r, z) => void. The sync form calls the function inline; the async form calls it on the main
// thread through a thread-safe function, once per application, while the native loop waits.
#include "solvers.hpp"

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "../native/krylov/krylov.hpp"
#include "../native/sketch/sketch.hpp"
#include "async.hpp"
#include "common.hpp"

namespace itersolve {
namespace binding {
namespace {

enum Method : int { kCg = 0, kBicgstab = 1, kGmres = 2, kMinres = 3, kConjugateDirection = 4 };
const char* const kMethodNames[] = {"cg", "bicgstab", "gmres", "minres", "conjugateDirection"};

// stats layout written for every solve (per column for batches)
constexpr int kStatReason = 0, kStatIterations = 1, kStatResidual = 2, kStatMatvecs = 3,
              kStatElapsed = 4, kStats = 5;

[[noreturn]] void throw_solver_error(Napi::Env env, const SolverError& e) {
  Napi::Error err = make_error(env, e.code, e.what());
  if (e.row >= 0) err.Set("row", Napi::Number::New(env, static_cast<double>(e.row)));
  throw err;
}

std::string square_message(const CsrView& A) {
  return "A: expected a square matrix, received " + std::to_string(A.rows) + "x" +
         std::to_string(A.cols);
}

CsrView matrix_at(const Napi::CallbackInfo& info, size_t i) {
  const bool trusted = get_bool(info, i + 5, "trusted");
  return get_csr(info, i, !trusted);
}

void write_stats(double* s, const IterResult& r, double elapsedMs) {
  s[kStatReason] = static_cast<double>(static_cast<int>(r.reason));
  s[kStatIterations] = static_cast<double>(r.iterations);
  s[kStatResidual] = r.value;
  s[kStatMatvecs] = static_cast<double>(r.matvecs);
  s[kStatElapsed] = elapsedMs;
}

Napi::Value history_value(Napi::Env env, const IterResult& r, bool wanted) {
  if (!wanted) return env.Undefined();
  return new_f64(env, r.history.data(), r.history.size());
}

// Index of the first non-finite entry, or -1.
int64_t first_non_finite(const double* v, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    if (!std::isfinite(v[i])) return i;
  return -1;
}

// Checks that v is finite (one fast pass; the index is looked for only on failure). Returns an
// empty string or the error message naming `name`.
std::string check_finite(const Engine& e, const double* v, int64_t n, const char* name) {
  if (std::isfinite(ops::nrm2(e, v, n))) return std::string();
  const int64_t i = first_non_finite(v, n);
  if (i < 0) return std::string();  // finite entries whose norm overflows
  return std::string(name) + ": expected finite values, received " + std::to_string(v[i]) +
         " at index " + std::to_string(i);
}

// The solution buffer (nx entries) must not overlap the right-hand side (nb entries): a solver
// writes x while it still reads b.
void check_distinct(Napi::Env env, const double* b, int64_t nb, const double* x, int64_t nx,
                    const char* xname = "out", const char* bname = "b") {
  if (nb > 0 && nx > 0 && x < b + nb && b < x + nx)
    throw_error(env, "ERR_INVALID_ARGUMENT",
                std::string(xname) + ": expected a buffer that does not overlap " + bname +
                    ", received one that does",
                xname);
}

// Pins a typed array argument of a sync call, so a JS callback that detaches it is noticed.
void pin_sync(JobShared& pins, Napi::Env env, Napi::Value v, const char* name) {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_value ab;
  size_t offset = 0;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, &ab, &offset) != napi_ok) return;
  const size_t elem = type == napi_float64_array ? 8 : 4;
  pins.pins.push_back(JobShared::Pin{Napi::Reference<Napi::Value>::New(v, 1), data, length * elem, name, elem});
}

// ---------------------------------------------------------------------------------------------
// NativePreconditioner: a preconditioner built once and applied across solves.

class PrecondWrap : public Napi::ObjectWrap<PrecondWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativePreconditioner",
                       {InstanceMethod<&PrecondWrap::Apply>("apply"),
                        InstanceAccessor<&PrecondWrap::Kind>("kind"),
                        InstanceAccessor<&PrecondWrap::Size>("size")});
  }
  static PrecondWrap* Unwrap(Napi::Value v) {
    Napi::Env env = v.Env();
    if (!v.IsObject() || !v.As<Napi::Object>().InstanceOf(addon(env).precondCtor.Value()))
      return nullptr;
    return Napi::ObjectWrap<PrecondWrap>::Unwrap(v.As<Napi::Object>());
  }

  // new NativePreconditioner(kind, rows, cols, rowPtr, colIdx, values, trusted, omega)
  explicit PrecondWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PrecondWrap>(info) {
    Napi::Env env = info.Env();
    const std::string kind = get_string(info, 0, "kind");
    const CsrView A = matrix_at(info, 1);
    const double omega = get_number(info, 7, "omega");
    M_ = build(env, kind, A, omega);
  }

  static std::shared_ptr<const Preconditioner> build(Napi::Env env, const std::string& kind,
                                                     const CsrView& A, double omega) {
    if (A.rows != A.cols) throw_error(env, "ERR_DIMENSION_MISMATCH", square_message(A), "A");
    try {
      return build_native(kind, A, omega);
    } catch (const SolverError& e) {
      throw_solver_error(env, e);
    } catch (const std::bad_alloc&) {
      throw_error(env, "ERR_NATIVE", "preconditioner: out of memory");
    }
  }

  // Throws SolverError for an unknown kind or a failed factorisation.
  static std::shared_ptr<const Preconditioner> build_native(const std::string& kind, const CsrView& A,
                                                            double omega) {
    if (kind == "jacobi") return make_jacobi(A);
    if (kind == "ssor") return make_ssor(A, omega);
    if (kind == "ic0") return make_ic0(A);
    if (kind == "ilu0") return make_ilu0(A);
    if (kind == "identity") return make_identity(A.rows);
    throw SolverError("ERR_INVALID_ARGUMENT",
                      "preconditioner: expected 'jacobi', 'ssor', 'ic0' or 'ilu0', received '" +
                          kind + "'");
  }

  const std::shared_ptr<const Preconditioner>& get() const { return M_; }

 private:
  // apply(r, z): z = M⁻¹ r (z may be r)
  Napi::Value Apply(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const int64_t n = M_->size();
    Span<double> r = get_f64(info, 0, "r", n);
    Span<double> z = get_f64(info, 1, "z", n);
    Engine e = addon(env).engine();
    if (r.data == z.data) {
      std::vector<double> tmp(r.data, r.data + n);
      M_->apply(e, tmp.data(), z.data);
    } else {
      M_->apply(e, r.data, z.data);
    }
    return info[1];
  }
  Napi::Value Kind(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), M_->kind());
  }
  Napi::Value Size(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(M_->size()));
  }

  std::shared_ptr<const Preconditioner> M_;
};

// ---------------------------------------------------------------------------------------------
// A JS function as preconditioner / oracle, called inline (sync solves).

class SyncCallback : public Preconditioner {
 public:
  SyncCallback(Napi::Env env, Napi::Function fn, int64_t n, JobShared* pins)
      : env_(env), fn_(Napi::Persistent(fn)), n_(n), pins_(pins) {
    r_ = Napi::Reference<Napi::Value>::New(Napi::Float64Array::New(env, static_cast<size_t>(n)), 1);
    z_ = Napi::Reference<Napi::Value>::New(Napi::Float64Array::New(env, static_cast<size_t>(n)), 1);
  }
  const char* kind() const override { return "callback"; }
  int64_t size() const override { return n_; }

  bool apply(const Engine&, const double* r, double* z) const override {
    if (failed_) return false;
    Napi::HandleScope scope(env_);
    Napi::Value rv = r_.Value(), zv = z_.Value();
    // The user may have transferred our arrays in an earlier call: then they are gone.
    if (is_detached(env_, rv) || is_detached(env_, zv)) {
      detached_ = "preconditioner";
      failed_ = true;
      return false;
    }
    Napi::Float64Array ra = rv.As<Napi::Float64Array>(), za = zv.As<Napi::Float64Array>();
    std::memcpy(ra.Data(), r, static_cast<size_t>(n_) * sizeof(double));
    try {
      fn_.Call({ra, za});
    } catch (const Napi::Error& e) {
      error_ = Napi::Reference<Napi::Value>::New(e.Value(), 1);
      failed_ = true;
      return false;
    }
    // The callback may have detached or transferred a buffer the solver is reading.
    std::string name = pins_->check_detached(env_);
    if (name.empty() && (is_detached(env_, zv) || za.ElementLength() != static_cast<size_t>(n_)))
      name = "preconditioner";
    if (!name.empty()) {
      detached_ = name;
      failed_ = true;
      return false;
    }
    std::memcpy(z, za.Data(), static_cast<size_t>(n_) * sizeof(double));
    return true;
  }

  // After the solve: rethrows what stopped it, if the callback did.
  void rethrow() const {
    if (!error_.IsEmpty()) throw Napi::Error(env_, error_.Value());
    if (!detached_.empty())
      throw_error(env_, "ERR_BUFFER_DETACHED",
                  detached_ + ": the buffer was detached or transferred by the preconditioner "
                              "callback while the solver was using it",
                  detached_.c_str());
  }

 private:
  Napi::Env env_;
  Napi::FunctionReference fn_;
  Napi::Reference<Napi::Value> r_, z_;
  int64_t n_;
  JobShared* pins_;
  mutable bool failed_ = false;
  mutable Napi::Reference<Napi::Value> error_;
  mutable std::string detached_;
};

// ---------------------------------------------------------------------------------------------
// A JS function called from an async solve: the native loop posts r to the main thread and waits
// for z. The state both sides touch lives in a shared block owned by the job and by the
// thread-safe function (both released on the main thread); the native side holds a plain pointer,
// valid while the job runs.

struct CallbackState {
  std::shared_ptr<JobShared> job;
  Napi::FunctionReference fn;
  Napi::Reference<Napi::Value> rJs, zJs;  // reused across calls (main thread only)
  int64_t n = 0;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<double> r, z;  // exchange buffers
  bool pending = false;      // a request waits for the main thread
  bool ok = false;           // the last request succeeded
  bool abandoned = false;    // the native side stopped waiting
};

void callback_call_js(Napi::Env env, Napi::Function, std::shared_ptr<CallbackState>* ctx, void*) {
  // env is null only while the environment is torn down and the thread-safe function empties its
  // queue after its finalizer already freed ctx: touch nothing. (The native side needs no
  // wake-up then: it polls `closing` while it waits.)
  if (env == nullptr || ctx == nullptr) return;
  CallbackState& s = **ctx;
  bool ok = false;
  {
    // No exception may leave a thread-safe function callback.
    try {
      Napi::HandleScope scope(env);
      std::unique_lock<std::mutex> lk(s.mu);
      const bool live = !s.abandoned && !s.job->stop.load();
      if (live) {
        Napi::Value rv = s.rJs.Value(), zv = s.zJs.Value();
        if (is_detached(env, rv) || is_detached(env, zv)) {
          s.job->detachedName = "preconditioner";
          s.job->detached.store(true);
          s.job->stop.store(true);
        } else {
          Napi::Float64Array ra = rv.As<Napi::Float64Array>(), za = zv.As<Napi::Float64Array>();
          std::memcpy(ra.Data(), s.r.data(), static_cast<size_t>(s.n) * sizeof(double));
          lk.unlock();
          try {
            s.fn.Call({ra, za});
          } catch (const Napi::Error& e) {
            if (s.job->callbackError.IsEmpty()) {
              Napi::Value v = e.Value();
              if (!v.IsEmpty()) s.job->callbackError = Napi::Reference<Napi::Value>::New(v, 1);
            }
            s.job->stop.store(true);
          }
          lk.lock();
          if (!s.job->stop.load()) {
            std::string name = s.job->check_detached(env);
            if (name.empty() && (is_detached(env, zv) || za.ElementLength() != static_cast<size_t>(s.n)))
              name = "preconditioner";
            if (!name.empty()) {
              s.job->detachedName = name;
              s.job->detached.store(true);
              s.job->stop.store(true);
            } else if (!s.abandoned) {
              std::memcpy(s.z.data(), za.Data(), static_cast<size_t>(s.n) * sizeof(double));
              ok = true;
            }
          }
        }
      }
    } catch (...) {
      s.job->stop.store(true);
    }
  }
  std::lock_guard<std::mutex> lk(s.mu);
  s.ok = ok;
  s.pending = false;
  s.cv.notify_all();
}

using CallbackTsfn = Napi::TypedThreadSafeFunction<std::shared_ptr<CallbackState>, void, callback_call_js>;

class AsyncCallback : public Preconditioner {
 public:
  AsyncCallback(CallbackState* s, CallbackTsfn* tsfn, const std::atomic<bool>* closing)
      : s_(s), tsfn_(tsfn), closing_(closing) {}
  const char* kind() const override { return "callback"; }
  int64_t size() const override { return s_->n; }

  bool apply(const Engine&, const double* r, double* z) const override {
    std::unique_lock<std::mutex> lk(s_->mu);
    if (s_->job->stop.load() || closing_->load()) return false;
    std::memcpy(s_->r.data(), r, static_cast<size_t>(s_->n) * sizeof(double));
    s_->pending = true;
    s_->ok = false;
    lk.unlock();
    if (tsfn_->BlockingCall() != napi_ok) {  // the environment is closing
      lk.lock();
      s_->pending = false;
      s_->abandoned = true;
      return false;
    }
    lk.lock();
    // Wait for the main thread; wake regularly so a closing environment cannot hang us (its
    // queued calls are never delivered then).
    while (s_->pending) {
      if (closing_->load()) {
        s_->abandoned = true;
        return false;
      }
      s_->cv.wait_for(lk, std::chrono::milliseconds(20));
    }
    if (!s_->ok) return false;
    std::memcpy(z, s_->z.data(), static_cast<size_t>(s_->n) * sizeof(double));
    return true;
  }

 private:
  CallbackState* s_;
  CallbackTsfn* tsfn_;
  const std::atomic<bool>* closing_;
};

// ---------------------------------------------------------------------------------------------
// Argument parsing shared by the sync and async entries.
//
// krylov(rowPtr, colIdx, values, b, x, io [, precond])
// krylovAsync(rowPtr, colIdx, values, b, x, io, precond, jobOptions)
// io (Float64Array of kParams + kStats) carries every number, read once at the start: method,
// rows, cols, trusted (0/1: the facade validated the CSR arrays), omega, rtol, atol,
// maxIterations, history (0/1), trueResidualEvery, restart, flexible (0/1), memory, timeLimitMs
// (0: none; sync only), zeroStart (0/1: start from x = 0, zeroing x); the stats follow, written
// at the end (see write_stats). A small solve's call is dominated by unpacking its arguments:
// numbers read from one array cost nothing, and with at most six arguments node-addon-api keeps
// them on the stack, so the common sync call (no preconditioner) passes six.
constexpr size_t kArgRowPtr = 0, kArgB = 3, kArgX = 4, kArgIo = 5, kArgPrecond = 6, kArgLast = 7;
constexpr int64_t kParams = 15;
enum : int { kIoMethod = 0, kIoRows, kIoCols, kIoTrusted, kIoOmega };

int64_t param_int(Napi::Env env, double v, const char* name, int64_t lo, int64_t hi) {
  // the range test first (NaN fails it), so the cast is defined
  if (!(v >= static_cast<double>(lo) && v <= static_cast<double>(hi)) ||
      static_cast<double>(static_cast<int64_t>(v)) != v)
    throw_error(env, "ERR_INVALID_ARGUMENT",
                std::string(name) + ": expected an integer in [" + std::to_string(lo) + ", " +
                    std::to_string(hi) + "], received " + std::to_string(v),
                name);
  return static_cast<int64_t>(v);
}

void check_tolerances(Napi::Env env, double rtol, double atol) {
  if (!(rtol >= 0) || !(atol >= 0) || std::isinf(rtol) || std::isinf(atol))
    throw_error(env, "ERR_INVALID_ARGUMENT", "rtol, atol: expected finite numbers >= 0", "rtol");
}

struct Params {
  SolveOptions opt;
  double omega = 1.0;
  double timeLimitMs = 0.0;
};

// p: the io array's entries from kIoOmega on.
Params solve_params(Napi::Env env, const double* p) {
  Params r;
  r.omega = p[0];
  r.opt.rtol = p[1];
  r.opt.atol = p[2];
  check_tolerances(env, r.opt.rtol, r.opt.atol);
  r.opt.max_iterations = param_int(env, p[3], "maxIterations", 0, int64_t{1} << 52);
  r.opt.history = p[4] != 0;
  r.opt.true_residual_every = param_int(env, p[5], "trueResidualEvery", 0, int64_t{1} << 52);
  r.opt.restart = static_cast<int>(param_int(env, p[6], "restart", 1, 100000));
  r.opt.flexible = p[7] != 0;
  r.opt.memory = static_cast<int>(param_int(env, p[8], "memory", 0, 100000));
  r.timeLimitMs = p[9];
  r.opt.zero_start = p[10] != 0;
  if (!(r.timeLimitMs >= 0)) throw_error(env, "ERR_INVALID_ARGUMENT", "timeLimitMs: expected a number >= 0", "timeLimitMs");
  return r;
}

struct PrecondArg {
  std::shared_ptr<const Preconditioner> shared;  // built object, or null
  std::string kind;                              // build per solve ("" = none)
  double omega = 1.0;
  Napi::Function fn;                             // JS callback (empty = none)
};

// A preconditioner argument v (undefined when not passed).
PrecondArg precond_arg(Napi::Env env, Napi::Value v, int64_t n, double omega) {
  PrecondArg p;
  p.omega = omega;
  if (v.IsNull() || v.IsUndefined()) return p;
  if (v.IsString()) {
    p.kind = v.As<Napi::String>().Utf8Value();
    if (p.kind != "jacobi" && p.kind != "ssor" && p.kind != "ic0" && p.kind != "ilu0")
      throw_error(env, "ERR_INVALID_ARGUMENT",
                  "preconditioner: expected 'none', 'jacobi', 'ssor', 'ic0' or 'ilu0', received '" +
                      p.kind + "'",
                  "preconditioner");
    return p;
  }
  if (v.IsFunction()) {
    p.fn = v.As<Napi::Function>();
    return p;
  }
  PrecondWrap* w = PrecondWrap::Unwrap(v);
  if (w == nullptr)
    throw_error(env, "ERR_INVALID_ARGUMENT",
                "preconditioner: expected a kind string, a Preconditioner or a function", "preconditioner");
  if (w->get()->size() != n)
    throw_error(env, "ERR_DIMENSION_MISMATCH",
                "preconditioner: expected one built for " + std::to_string(n) +
                    " unknowns, received one for " + std::to_string(w->get()->size()),
                "preconditioner");
  p.shared = w->get();
  return p;
}

IterResult run_method(int method, const Engine& e, const CsrView& A, const double* b, double* x,
                      const Preconditioner* M, const SolveOptions& opt, Control& ctl) {
  switch (method) {
    case kCg: return cg(e, A, b, x, M, opt, ctl);
    case kBicgstab: return bicgstab(e, A, b, x, M, opt, ctl);
    case kGmres: return gmres(e, A, b, x, M, opt, ctl);
    case kMinres: return minres(e, A, b, x, M, opt, ctl);
    default: return conjugate_direction(e, A, b, x, M, opt, ctl);
  }
}

// The matrix and method of a krylov / krylovAsync call, from io and the first three arguments.
struct KrylovHead {
  int method = kCg;
  CsrView A{};
  bool trusted = false;  // the facade validated A, b and x (their types too)
};

KrylovHead krylov_head(const Napi::CallbackInfo& info, const double* io) {
  Napi::Env env = info.Env();
  const int64_t maxDim = std::numeric_limits<int32_t>::max();
  KrylovHead h;
  h.method = static_cast<int>(param_int(env, io[kIoMethod], "method", kCg, kConjugateDirection));
  const int64_t rows = param_int(env, io[kIoRows], "rows", 0, maxDim);
  const int64_t cols = param_int(env, io[kIoCols], "cols", 0, maxDim);
  h.trusted = io[kIoTrusted] == 1;
  h.A = csr_from(env, rows, cols, info[kArgRowPtr], info[kArgRowPtr + 1], info[kArgRowPtr + 2],
                 !h.trusted);
  if (h.A.rows != h.A.cols) throw_error(env, "ERR_DIMENSION_MISMATCH", square_message(h.A), "A");
  return h;
}

// ---------------------------------------------------------------------------------------------
// Sync entry

Napi::Value Krylov(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  double* const io = get_f64(info, kArgIo, "io", kParams + kStats).data;
  const KrylovHead head = krylov_head(info, io);
  const int method = head.method;
  const CsrView& A = head.A;
  const int64_t n = A.rows;
  Span<double> b = as_f64(env, info[kArgB], "b", n, head.trusted);
  Span<double> x = as_f64(env, info[kArgX], "x", n, head.trusted);
  check_distinct(env, b.data, n, x.data, n);
  const Params prm = solve_params(env, io + kIoOmega);
  const SolveOptions& opt = prm.opt;
  PrecondArg pa = precond_arg(env, info[kArgPrecond], n, prm.omega);
  double* const stats = io + kParams;
  const double tl = prm.timeLimitMs;
  Engine e = addon(env).engine();
  for (auto [v, name] : {std::pair<const double*, const char*>{b.data, "b"}, {x.data, "x0"}}) {
    if (v == x.data && opt.zero_start) continue;
    std::string bad = check_finite(e, v, n, name);
    if (!bad.empty()) throw_error(env, "ERR_INVALID_ARGUMENT", bad, name);
  }

  std::shared_ptr<const Preconditioner> M = pa.shared;
  if (!pa.kind.empty()) M = PrecondWrap::build(env, pa.kind, A, pa.omega);
  JobShared pins;  // buffers a callback could detach under us
  std::unique_ptr<SyncCallback> cb;
  if (!pa.fn.IsEmpty()) {
    pin_sync(pins, env, info[kArgRowPtr], "rowPtr");
    pin_sync(pins, env, info[kArgRowPtr + 1], "colIdx");
    pin_sync(pins, env, info[kArgRowPtr + 2], "values");
    pin_sync(pins, env, info[kArgB], "b");
    pin_sync(pins, env, info[kArgX], "x");
    cb = std::make_unique<SyncCallback>(env, pa.fn, n, &pins);
  }
  Control ctl;
  if (tl > 0) ctl.set_time_limit_ms(tl);
  IterResult r;
  try {
    r = run_method(method, e, A, b.data, x.data, cb ? cb.get() : M.get(), opt, ctl);
  } catch (const std::bad_alloc&) {
    throw_error(env, "ERR_NATIVE", std::string(kMethodNames[method]) + ": out of memory");
  }
  if (cb) cb->rethrow();
  write_stats(stats, r, ctl.elapsed_ms());
  return history_value(env, r, opt.history);
}

// ---------------------------------------------------------------------------------------------
// Async entry

class KrylovJob : public Job {
 public:
  KrylovJob(const Napi::CallbackInfo& info, Napi::Object opts)
      : Job(info.Env(), opts, "itersolve:krylov") {
    Napi::Env env = info.Env();
    double* const io = pin_f64(info[kArgIo], "io", kParams + kStats).data;
    const KrylovHead head = krylov_head(info, io);
    method_ = head.method;
    A_ = head.A;
    const int64_t n = A_.rows;
    pin_i32(info[kArgRowPtr], "rowPtr");
    pin_i32(info[kArgRowPtr + 1], "colIdx");
    pin_f64(info[kArgRowPtr + 2], "values");
    b_ = pin_f64(info[kArgB], "b", n).data;
    x_ = pin_f64(info[kArgX], "x", n).data;
    check_distinct(env, b_, n, x_, n);
    const Params prm = solve_params(env, io + kIoOmega);
    pa_ = precond_arg(env, info[kArgPrecond], n, prm.omega);
    opt_ = prm.opt;
    stats_ = io + kParams;
    if (!pa_.fn.IsEmpty()) {
      state_ = std::make_shared<CallbackState>();
      state_->job = shared();
      state_->fn = Napi::Persistent(pa_.fn);
      state_->n = n;
      state_->rJs = Napi::Reference<Napi::Value>::New(Napi::Float64Array::New(env, static_cast<size_t>(n)), 1);
      state_->zJs = Napi::Reference<Napi::Value>::New(Napi::Float64Array::New(env, static_cast<size_t>(n)), 1);
      state_->r.resize(static_cast<size_t>(n));
      state_->z.resize(static_cast<size_t>(n));
      tsfn_ = CallbackTsfn::New(env, "itersolve:preconditioner", 0, 1,
                                new std::shared_ptr<CallbackState>(state_),
                                [](Napi::Env, void*, std::shared_ptr<CallbackState>* ctx) { delete ctx; });
      hasTsfn_ = true;
      pa_.fn = Napi::Function();
    }
  }
  ~KrylovJob() override {
    if (hasTsfn_) tsfn_.Release();
  }

 protected:
  void Run(Control& ctl) override {
    for (auto [v, name] : {std::pair<const double*, const char*>{b_, "b"}, {x_, "x0"}}) {
      if (v == x_ && opt_.zero_start) continue;
      std::string bad = check_finite(engine_, v, A_.rows, name);
      if (!bad.empty()) return fail("ERR_INVALID_ARGUMENT", bad);
    }
    std::shared_ptr<const Preconditioner> M = pa_.shared;
    std::unique_ptr<AsyncCallback> cb;
    if (hasTsfn_) cb = std::make_unique<AsyncCallback>(state_.get(), &tsfn_, &addon_.closing);
    try {
      if (!pa_.kind.empty()) M = PrecondWrap::build_native(pa_.kind, A_, pa_.omega);
      res_ = run_method(method_, engine_, A_, b_, x_, cb ? cb.get() : M.get(), opt_, ctl);
    } catch (const SolverError& e) {
      release_tsfn();
      return fail(e.code, e.what(), 0, e.row);
    } catch (const std::bad_alloc&) {
      release_tsfn();
      return fail("ERR_NATIVE", std::string(kMethodNames[method_]) + ": out of memory");
    }
    release_tsfn();
    write_stats(stats_, res_, ctl.elapsed_ms());
  }
  Napi::Value Result(Napi::Env env) override { return history_value(env, res_, opt_.history); }

 private:
  void release_tsfn() {
    if (hasTsfn_) {
      tsfn_.Release();
      hasTsfn_ = false;
    }
  }
  int method_ = kCg;
  CsrView A_{};
  const double* b_ = nullptr;
  double* x_ = nullptr;
  double* stats_ = nullptr;
  PrecondArg pa_;
  SolveOptions opt_;
  IterResult res_;
  std::shared_ptr<CallbackState> state_;
  CallbackTsfn tsfn_;
  bool hasTsfn_ = false;
};

template <class J, size_t OptionsIndex>
Napi::Value start_job(const Napi::CallbackInfo& info) {
  Napi::Value o = info[OptionsIndex];
  if (!o.IsObject())
    throw_error(info.Env(), "ERR_INVALID_ARGUMENT", "options: expected an object", "options");
  auto* job = new J(info, o.As<Napi::Object>());
  Napi::Promise p = job->promise();
  job->Start();
  return p;
}

// ---------------------------------------------------------------------------------------------
// Batched CG: cgBatch(rows, cols, rowPtr, colIdx, values, trusted, B, X, k, precond, omega, rtol,
//                     atol, maxIterations, history, trueResidualEvery, stats, timeLimitMs | opts)
// stats: kStats entries per column.
constexpr size_t kBatchK = 8, kBatchPrecond = 9, kBatchRtol = 11, kBatchStats = 16, kBatchLast = 17;

SolveOptions batch_options(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SolveOptions opt;
  opt.rtol = get_number(info, kBatchRtol, "rtol");
  opt.atol = get_number(info, kBatchRtol + 1, "atol");
  check_tolerances(env, opt.rtol, opt.atol);
  opt.max_iterations = get_int(info, kBatchRtol + 2, "maxIterations", 0, int64_t{1} << 52);
  opt.history = get_bool(info, kBatchRtol + 3, "history");
  opt.true_residual_every = get_int(info, kBatchRtol + 4, "trueResidualEvery", 0, int64_t{1} << 52);
  return opt;
}

struct BatchArgs {
  CsrView A{};
  int64_t k = 0;
  Span<double> B, X, stats;
};

BatchArgs batch_args(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  BatchArgs a;
  a.A = matrix_at(info, 0);
  if (a.A.rows != a.A.cols) throw_error(env, "ERR_DIMENSION_MISMATCH", square_message(a.A), "A");
  a.k = get_int(info, kBatchK, "k", 1, 1 << 20);
  const int64_t n = a.A.rows;
  if (n > 0 && a.k > (int64_t{1} << 52) / n)
    throw_error(env, "ERR_INVALID_ARGUMENT", "k: too many columns", "k");
  a.B = get_f64(info, 6, "B", n * a.k);
  a.X = get_f64(info, 7, "X", n * a.k);
  check_distinct(env, a.B.data, n * a.k, a.X.data, n * a.k, "out", "B");
  a.stats = get_f64(info, kBatchStats, "stats", kStats * a.k);
  return a;
}

Napi::Value batch_histories(Napi::Env env, const std::vector<IterResult>& rs, bool wanted) {
  if (!wanted) return env.Undefined();
  Napi::Array arr = Napi::Array::New(env, rs.size());
  for (size_t c = 0; c < rs.size(); ++c)
    arr.Set(static_cast<uint32_t>(c), new_f64(env, rs[c].history.data(), rs[c].history.size()));
  return arr;
}

std::string check_batch_finite(const Engine& e, const BatchArgs& a) {
  std::string bad = check_finite(e, a.B.data, a.A.rows * a.k, "B");
  return bad.empty() ? check_finite(e, a.X.data, a.A.rows * a.k, "X0") : bad;
}

Napi::Value CgBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  BatchArgs a = batch_args(info);
  if (!info[kBatchPrecond].IsNull() && !info[kBatchPrecond].IsUndefined() && !info[kBatchPrecond].IsString() &&
      PrecondWrap::Unwrap(info[kBatchPrecond]) == nullptr)
    throw_error(env, "ERR_INVALID_ARGUMENT", "preconditioner: expected a kind string or a Preconditioner",
                "preconditioner");
  PrecondArg pa = precond_arg(env, info[kBatchPrecond], a.A.rows, get_number(info, kBatchPrecond + 1, "omega"));
  SolveOptions opt = batch_options(info);
  const double tl = get_number(info, kBatchLast, "timeLimitMs");
  Engine e = addon(env).engine();
  std::string bad = check_batch_finite(e, a);
  if (!bad.empty()) throw_error(env, "ERR_INVALID_ARGUMENT", bad, bad[0] == 'B' ? "B" : "X0");
  std::shared_ptr<const Preconditioner> M = pa.shared;
  if (!pa.kind.empty()) M = PrecondWrap::build(env, pa.kind, a.A, pa.omega);
  Control ctl;
  if (tl > 0) ctl.set_time_limit_ms(tl);
  std::vector<IterResult> rs;
  try {
    rs = cg_batch(e, a.A, a.B.data, a.X.data, a.k, M.get(), opt, ctl);
  } catch (const std::bad_alloc&) {
    throw_error(env, "ERR_NATIVE", "cgBatch: out of memory");
  }
  const double ms = ctl.elapsed_ms();
  for (size_t c = 0; c < rs.size(); ++c) write_stats(a.stats.data + kStats * c, rs[c], ms);
  return batch_histories(env, rs, opt.history);
}

class BatchJob : public Job {
 public:
  BatchJob(const Napi::CallbackInfo& info, Napi::Object opts) : Job(info.Env(), opts, "itersolve:cgBatch") {
    Napi::Env env = info.Env();
    a_ = batch_args(info);
    if (info[kBatchPrecond].IsFunction())
      throw_error(env, "ERR_INVALID_ARGUMENT", "preconditioner: expected a kind string or a Preconditioner",
                  "preconditioner");
    pa_ = precond_arg(env, info[kBatchPrecond], a_.A.rows, get_number(info, kBatchPrecond + 1, "omega"));
    opt_ = batch_options(info);
    pin_i32(info[2], "rowPtr");
    pin_i32(info[3], "colIdx");
    pin_f64(info[4], "values");
    pin_f64(info[6], "B");
    pin_f64(info[7], "X");
    pin_f64(info[kBatchStats], "stats");
  }

 protected:
  void Run(Control& ctl) override {
    std::string bad = check_batch_finite(engine_, a_);
    if (!bad.empty()) return fail("ERR_INVALID_ARGUMENT", bad);
    std::shared_ptr<const Preconditioner> M = pa_.shared;
    try {
      if (!pa_.kind.empty()) M = PrecondWrap::build_native(pa_.kind, a_.A, pa_.omega);
      rs_ = cg_batch(engine_, a_.A, a_.B.data, a_.X.data, a_.k, M.get(), opt_, ctl);
    } catch (const SolverError& e) {
      return fail(e.code, e.what(), 0, e.row);
    } catch (const std::bad_alloc&) {
      return fail("ERR_NATIVE", "cgBatch: out of memory");
    }
    const double ms = ctl.elapsed_ms();
    for (size_t c = 0; c < rs_.size(); ++c) write_stats(a_.stats.data + kStats * c, rs_[c], ms);
  }
  Napi::Value Result(Napi::Env env) override { return batch_histories(env, rs_, opt_.history); }

 private:
  BatchArgs a_;
  PrecondArg pa_;
  SolveOptions opt_;
  std::vector<IterResult> rs_;
};

// ---------------------------------------------------------------------------------------------
// Sketching: sketchSolve(rows, cols, rowPtr, colIdx, values, trusted, b, x, kind, sampling,
//   blockSize, seed, rtol, atol, maxIterations, history, trueResidualEvery, stats,
//   timeLimitMs | opts)
constexpr size_t kSkB = 6, kSkX = 7, kSkKind = 8, kSkStats = 17, kSkLast = 18;

struct SketchArgs {
  CsrView A{};
  Span<double> b, x, stats;
  SketchOptions opt;
};

SketchArgs sketch_args(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SketchArgs a;
  a.A = matrix_at(info, 0);
  a.b = get_f64(info, kSkB, "b", a.A.rows);
  a.x = get_f64(info, kSkX, "x", a.A.cols);
  check_distinct(env, a.b.data, a.A.rows, a.x.data, a.A.cols);
  a.opt.kind = static_cast<SketchKind>(get_int(info, kSkKind, "sketch", 0, 2));
  a.opt.sampling = static_cast<RowSampling>(get_int(info, kSkKind + 1, "sampling", 0, 1));
  a.opt.block_size = get_int(info, kSkKind + 2, "blockSize", 1, int64_t{1} << 31);
  a.opt.seed = static_cast<uint64_t>(get_int(info, kSkKind + 3, "seed", 0, int64_t{1} << 53));
  a.opt.rtol = get_number(info, kSkKind + 4, "rtol");
  a.opt.atol = get_number(info, kSkKind + 5, "atol");
  check_tolerances(env, a.opt.rtol, a.opt.atol);
  a.opt.max_iterations = get_int(info, kSkKind + 6, "maxIterations", 1, int64_t{1} << 52);
  a.opt.history = get_bool(info, kSkKind + 7, "history");
  a.opt.true_residual_every = get_int(info, kSkKind + 8, "trueResidualEvery", 0, int64_t{1} << 52);
  a.stats = get_f64(info, kSkStats, "stats", kStats);
  return a;
}

std::string check_sketch_finite(const Engine& e, const SketchArgs& a) {
  std::string bad = check_finite(e, a.b.data, a.A.rows, "b");
  return bad.empty() ? check_finite(e, a.x.data, a.A.cols, "x0") : bad;
}

Napi::Value SketchSolve(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SketchArgs a = sketch_args(info);
  const double tl = get_number(info, kSkLast, "timeLimitMs");
  Engine e = addon(env).engine();
  std::string bad = check_sketch_finite(e, a);
  if (!bad.empty()) throw_error(env, "ERR_INVALID_ARGUMENT", bad, bad[0] == 'b' ? "b" : "x0");
  Control ctl;
  if (tl > 0) ctl.set_time_limit_ms(tl);
  IterResult r;
  try {
    r = sketch_solve(e, a.A, a.b.data, a.x.data, a.opt, ctl);
  } catch (const SolverError& err) {
    throw_solver_error(env, err);
  } catch (const std::bad_alloc&) {
    throw_error(env, "ERR_NATIVE", "sketchSolve: out of memory");
  }
  write_stats(a.stats.data, r, ctl.elapsed_ms());
  return history_value(env, r, a.opt.history);
}

class SketchJob : public Job {
 public:
  SketchJob(const Napi::CallbackInfo& info, Napi::Object opts) : Job(info.Env(), opts, "itersolve:sketchSolve") {
    a_ = sketch_args(info);
    pin_i32(info[2], "rowPtr");
    pin_i32(info[3], "colIdx");
    pin_f64(info[4], "values");
    pin_f64(info[kSkB], "b");
    pin_f64(info[kSkX], "x");
    pin_f64(info[kSkStats], "stats");
  }

 protected:
  void Run(Control& ctl) override {
    std::string bad = check_sketch_finite(engine_, a_);
    if (!bad.empty()) return fail("ERR_INVALID_ARGUMENT", bad);
    try {
      r_ = sketch_solve(engine_, a_.A, a_.b.data, a_.x.data, a_.opt, ctl);
    } catch (const SolverError& e) {
      return fail(e.code, e.what(), 0, e.row);
    } catch (const std::bad_alloc&) {
      return fail("ERR_NATIVE", "sketchSolve: out of memory");
    }
    write_stats(a_.stats.data, r_, ctl.elapsed_ms());
  }
  Napi::Value Result(Napi::Env env) override { return history_value(env, r_, a_.opt.history); }

 private:
  SketchArgs a_;
  IterResult r_;
};

template <Napi::Value (*F)(const Napi::CallbackInfo&)>
void add(Napi::Env env, Napi::Object exports, const char* name) {
  exports.Set(name, Napi::Function::New<F>(env, name));
}

}  // namespace

void init_solvers(Napi::Env env, Napi::Object exports, Addon& a) {
  Napi::Function pc = PrecondWrap::Define(env);
  a.precondCtor = Napi::Persistent(pc);
  exports.Set("NativePreconditioner", pc);
  add<Krylov>(env, exports, "krylov");
  add<start_job<KrylovJob, kArgLast>>(env, exports, "krylovAsync");
  add<CgBatch>(env, exports, "cgBatch");
  add<start_job<BatchJob, kBatchLast>>(env, exports, "cgBatchAsync");
  add<SketchSolve>(env, exports, "sketchSolve");
  add<start_job<SketchJob, kSkLast>>(env, exports, "sketchSolveAsync");
}

}  // namespace binding
}  // namespace itersolve
