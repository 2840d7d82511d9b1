#include "callback.hpp"

#include <algorithm>
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
// The state both sides touch. The Sync form uses it on the main thread only; in the Promise form
// it lives in a shared block owned by the JsCallback and by the thread-safe function (released
// on the main thread), and the exchange fields are guarded by mu.

struct CallbackState {
  // The job's shared state (Promise form), or the Sync form's own: the pinned buffers, and where
  // a failure is recorded (callbackError, detached / detachedName, stop).
  std::shared_ptr<JobShared> job;
  Napi::Env env{nullptr};  // Sync form
  Napi::FunctionReference fn;
  std::string what;
  int64_t inLength = 0;
  std::vector<int64_t> outLengths;
  bool tagged = false;
  // main thread only: the input array, a view of the whole output buffer, and per tag a view of
  // its outLength entries (made at the first call with that tag)
  Napi::Reference<Napi::Value> inJs, outAll;
  std::vector<Napi::Reference<Napi::Value>> outJs;
  // Promise form: the exchange with the native loop
  std::mutex mu;
  std::condition_variable cv;
  std::vector<double> in, out;
  int64_t tag = 0;
  bool pending = false;    // a request waits for the main thread
  bool ok = false;         // the last request succeeded
  bool abandoned = false;  // the native side stopped waiting

  int64_t out_length(int64_t t) const { return outLengths[size_t(t)]; }
  void fail_detached(const std::string& name) {
    job->detachedName = name;
    job->detached.store(true);
    job->stop.store(true);
  }
};

// Main thread: one call of the function. Copies `in` into its input array, zeroes the tag's
// output array, calls the function and copies the output into `out`. A failure is recorded in
// s.job (which is stopped) and returns false. `lk` (Promise form) is held on entry and on return
// and released while the function runs.
static bool invoke(Napi::Env env, CallbackState& s, const double* in, int64_t tag, double* out,
                   std::unique_lock<std::mutex>* lk) {
  Napi::HandleScope scope(env);
  const size_t slot = size_t(tag);
  const size_t len = size_t(s.out_length(tag));
  Napi::Value iv = s.inJs.Value(), all = s.outAll.Value();
  // The user may have transferred our arrays in an earlier call: then they are gone.
  if (is_detached(env, iv) || is_detached(env, all)) {
    s.fail_detached(s.what);
    return false;
  }
  if (s.outJs[slot].IsEmpty()) {
    Napi::Float64Array a = all.As<Napi::Float64Array>();
    s.outJs[slot] = Napi::Reference<Napi::Value>::New(
        Napi::Float64Array::New(env, len, a.ArrayBuffer(), a.ByteOffset()), 1);
  }
  Napi::Value ov = s.outJs[slot].Value();
  Napi::Float64Array ia = iv.As<Napi::Float64Array>(), oa = ov.As<Napi::Float64Array>();
  std::memcpy(ia.Data(), in, size_t(s.inLength) * sizeof(double));
  std::fill(oa.Data(), oa.Data() + len, 0.0);
  if (lk) lk->unlock();
  try {
    if (s.tagged) s.fn.Call({ia, Napi::Number::New(env, double(tag)), oa});
    else s.fn.Call({ia, oa});
  } catch (const Napi::Error& e) {
    if (lk) lk->lock();
    if (s.job->callbackError.IsEmpty()) {
      Napi::Value v = e.Value();
      if (!v.IsEmpty()) s.job->callbackError = Napi::Reference<Napi::Value>::New(v, 1);
    }
    s.job->stop.store(true);
    return false;
  }
  if (lk) lk->lock();
  // The function may have detached or transferred a buffer the native loop is reading.
  std::string name = s.job->check_detached(env);
  if (name.empty() && (is_detached(env, iv) || is_detached(env, ov) || oa.ElementLength() != len))
    name = s.what;
  if (!name.empty()) {
    s.fail_detached(name);
    return false;
  }
  if (s.abandoned) return false;
  std::memcpy(out, oa.Data(), len * sizeof(double));
  return true;
}

// The thread-safe function's call on the main thread (Promise form).
static void callback_call_js(Napi::Env env, Napi::Function, std::shared_ptr<CallbackState>* ctx,
                             void*) {
  // env is null only while the environment is torn down and the thread-safe function empties its
  // queue after its finalizer already freed ctx: touch nothing. (The native side needs no
  // wake-up then: it polls `closing` while it waits.)
  if (env == nullptr || ctx == nullptr) return;
  CallbackState& s = **ctx;
  bool ok = false;
  // No exception may leave a thread-safe function callback.
  try {
    std::unique_lock<std::mutex> lk(s.mu);
    if (!s.abandoned && !s.job->stop.load())
      ok = invoke(env, s, s.in.data(), s.tag, s.out.data(), &lk);
  } catch (...) {
    s.job->stop.store(true);
  }
  std::lock_guard<std::mutex> lk(s.mu);
  s.ok = ok;
  s.pending = false;
  s.cv.notify_all();
}

using CallbackTsfn =
    Napi::TypedThreadSafeFunction<std::shared_ptr<CallbackState>, void, callback_call_js>;

struct JsCallback::Tsfn {
  CallbackTsfn fn;
  bool held = false;
};

JsCallback::JsCallback(Args& args, Napi::Function fn, Shape shape,
                       const std::vector<std::pair<size_t, const char*>>& pinned) {
  Napi::Env env = args.env();
  auto s = std::make_shared<CallbackState>();
  state_ = s;
  s->fn = Napi::Persistent(fn);
  s->what = shape.what;
  s->inLength = shape.inLength;
  s->outLengths = shape.outLengths;
  if (s->outLengths.empty()) s->outLengths.push_back(0);
  s->tagged = shape.tagged;
  const int64_t maxOut = *std::max_element(s->outLengths.begin(), s->outLengths.end());
  s->inJs = Napi::Reference<Napi::Value>::New(Napi::Float64Array::New(env, size_t(s->inLength)), 1);
  s->outAll = Napi::Reference<Napi::Value>::New(Napi::Float64Array::New(env, size_t(maxOut)), 1);
  s->outJs.resize(s->outLengths.size());
  if (!args.async()) {
    s->env = env;
    s->job = std::make_shared<JobShared>();
    for (const auto& p : pinned) pin_sync(*s->job, env, args[p.first], p.second);
    return;
  }
  s->job = args.job()->shared();
  s->in.resize(size_t(s->inLength));
  s->out.resize(size_t(maxOut));
  closing_ = &addon(env).closing;
  tsfn_ = std::make_unique<Tsfn>();
  tsfn_->fn =
      CallbackTsfn::New(env, "itersolve:" + s->what, 0, 1, new std::shared_ptr<CallbackState>(s),
                        [](Napi::Env, void*, std::shared_ptr<CallbackState>* ctx) { delete ctx; });
  tsfn_->held = true;
}

JsCallback::~JsCallback() { end(); }

bool JsCallback::call(const double* in, int64_t tag, double* out) {
  CallbackState& s = *state_;
  if (tag < 0 || tag >= int64_t(s.outLengths.size())) return false;
  if (!tsfn_) {  // Sync form: inline, on the main thread
    if (s.job->stop.load()) return false;
    return invoke(s.env, s, in, tag, out, nullptr);
  }
  const size_t len = size_t(s.out_length(tag));
  std::unique_lock<std::mutex> lk(s.mu);
  if (s.job->stop.load() || closing_->load()) return false;
  std::memcpy(s.in.data(), in, size_t(s.inLength) * sizeof(double));
  s.tag = tag;
  s.pending = true;
  s.ok = false;
  lk.unlock();
  if (tsfn_->fn.BlockingCall() != napi_ok) {  // the environment is closing
    lk.lock();
    s.pending = false;
    s.abandoned = true;
    return false;
  }
  lk.lock();
  // Wait for the main thread; wake regularly so a closing environment cannot hang us (its
  // queued calls are never delivered then).
  while (s.pending) {
    if (closing_->load()) {
      s.abandoned = true;
      return false;
    }
    s.cv.wait_for(lk, std::chrono::milliseconds(20));
  }
  if (!s.ok) return false;
  std::memcpy(out, s.out.data(), len * sizeof(double));
  return true;
}

void JsCallback::end() {
  if (tsfn_ && tsfn_->held) {
    tsfn_->fn.Release();
    tsfn_->held = false;
  }
}

void JsCallback::rethrow() const {
  if (tsfn_) return;  // the Promise form's job settles with what was recorded
  const CallbackState& s = *state_;
  if (!s.job->callbackError.IsEmpty()) throw Napi::Error(s.env, s.job->callbackError.Value());
  if (s.job->detached.load())
    throw_error(s.env, "ERR_BUFFER_DETACHED",
                s.job->detachedName + ": the buffer was detached or transferred by the " + s.what +
                    " callback while the solver was using it",
                s.job->detachedName.c_str());
}

// ---------------------------------------------------------------------------------------------
// JsPreconditioner

class JsPreconditioner::Adapter : public Preconditioner {
 public:
  Adapter(JsCallback* cb, int64_t n) : cb_(cb), n_(n) {}
  const char* kind() const override { return "callback"; }
  int64_t size() const override { return n_; }
  bool apply(const Engine&, const double* r, double* z) const override {
    return cb_->call(r, 0, z);
  }

 private:
  JsCallback* cb_;
  int64_t n_;
};

JsPreconditioner::JsPreconditioner(Args& args, Napi::Function fn, int64_t n,
                                   std::vector<std::pair<size_t, const char*>> pinned)
    : cb_(args, fn, JsCallback::Shape{n, {n}, false, "preconditioner"}, pinned),
      adapter_(std::make_unique<Adapter>(&cb_, n)) {}

JsPreconditioner::~JsPreconditioner() = default;

const Preconditioner* JsPreconditioner::begin(Addon&) { return adapter_.get(); }

}  // namespace binding
}  // namespace itersolve
