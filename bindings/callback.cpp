#include "callback.hpp"

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>

namespace itersolve {
namespace binding {

// Pins a typed array argument of a sync call, so a JS callback that detaches it is noticed.
static void pin_sync(JobShared& pins, Napi::Env env, Napi::Value v, const char* name) {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_value ab;
  size_t offset = 0;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, &ab, &offset) != napi_ok) return;
  const size_t elem = type == napi_float64_array ? 8 : 4;
  pins.pins.push_back(
      JobShared::Pin{Napi::Reference<Napi::Value>::New(v, 1), data, length * elem, name, elem});
}

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
                  detached_ +
                      ": the buffer was detached or transferred by the preconditioner "
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
            if (name.empty() &&
                (is_detached(env, zv) || za.ElementLength() != static_cast<size_t>(s.n)))
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

using CallbackTsfn =
    Napi::TypedThreadSafeFunction<std::shared_ptr<CallbackState>, void, callback_call_js>;

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
// JsPreconditioner

struct JsPreconditioner::Tsfn {
  CallbackTsfn fn;
  bool held = false;
};

JsPreconditioner::JsPreconditioner(Args& args, Napi::Function fn, int64_t n,
                                   std::vector<std::pair<size_t, const char*>> pinned) {
  Napi::Env env = args.env();
  if (!args.async()) {
    syncPins_ = std::make_unique<JobShared>();
    for (const auto& p : pinned) pin_sync(*syncPins_, env, args[p.first], p.second);
    sync_ = std::make_unique<SyncCallback>(env, fn, n, syncPins_.get());
    return;
  }
  state_ = std::make_shared<CallbackState>();
  state_->job = args.job()->shared();
  state_->fn = Napi::Persistent(fn);
  state_->n = n;
  state_->rJs =
      Napi::Reference<Napi::Value>::New(Napi::Float64Array::New(env, static_cast<size_t>(n)), 1);
  state_->zJs =
      Napi::Reference<Napi::Value>::New(Napi::Float64Array::New(env, static_cast<size_t>(n)), 1);
  state_->r.resize(static_cast<size_t>(n));
  state_->z.resize(static_cast<size_t>(n));
  tsfn_ = std::make_unique<Tsfn>();
  tsfn_->fn = CallbackTsfn::New(
      env, "itersolve:preconditioner", 0, 1, new std::shared_ptr<CallbackState>(state_),
      [](Napi::Env, void*, std::shared_ptr<CallbackState>* ctx) { delete ctx; });
  tsfn_->held = true;
}

JsPreconditioner::~JsPreconditioner() { end(); }

const Preconditioner* JsPreconditioner::begin(Addon& addon) {
  if (sync_) return sync_.get();
  async_ = std::make_unique<AsyncCallback>(state_.get(), &tsfn_->fn, &addon.closing);
  return async_.get();
}

void JsPreconditioner::end() {
  if (tsfn_ && tsfn_->held) {
    tsfn_->fn.Release();
    tsfn_->held = false;
  }
}

void JsPreconditioner::rethrow() const {
  if (sync_) sync_->rethrow();
}

}  // namespace binding
}  // namespace itersolve
